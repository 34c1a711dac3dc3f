"""Messages that are not questions about the frameworks: a GP surgery's front desk, a
helpdesk, an assistant's tasks, the asker's own pay and leave, small talk. Read on the words as
corrected (`joined`) and, where the corrector knows no product names, as typed (`typed`)."""

from __future__ import annotations

import re

# Messages for a GP surgery's front desk or a general chatbot, not for the frameworks.
_OFF_TOPIC = re.compile(
    r"\b(book|cancel|change|move|reschedule|make) (me |my )?(an? )?(appointment|appt|"
    r"blood test|test|jab|vaccination)s?\b|\b(sick|fit) note\b|\bprescriptions?\b|"
    r"\btest results?\b|\bsee (a|the|my) (doctor|gp|nurse)\b|\bweather\b|\bjoke\b|"
    r"\bwhat time is it\b|\bopening (hours|times)\b|\bopen on (saturday|sunday)\b|"
    r"\b(order|buy|get) me\b|"
    r"\b(salary|pay band|pay scale|wage) (for|of)\b|\bagenda for change\b|"
    r"\btax (threshold|band|bracket)s?\b|\bpersonal allowance\b|"
    # The asker's own entitlements and gadgets, not the work of managing them.
    r"\bhow (much|many)\b.*\b(do|will|would) i get\b|\b(do|will|would) i get (paid|a pay|pay|"
    r"holiday|holidays|leave|sick|maternity|paternity|a bonus|bonus|overtime|time off|expenses|"
    r"mileage|a pension|pension|days off|a day off|a break|breaks|lunch)\b|"
    r"\bam i entitled\b|\bmy (nhs )?pension\b|"
    r"\bmy own (leave|holidays?|mileage|expenses|pay|sick|annual)\b|\bbook my (own )?leave\b|"
    r"\b(ringtone|wallpaper|reset my password|my password)\b|"
    r"\bmy (own )?(tax code|payslip|password|printer|phone|smartcard|laptop|car|holidays?|"
    r"leave|pension|pay|salary|uniform)\b|"
    # Tasks for an assistant, not questions about the frameworks.
    r"\b(can|could|would|will) you (write|translate|draft|send|make|book|order|find|email|"
    r"do|sort|arrange|organise|organize|create|prepare|fill in|cover)\b|"
    r"\bwrite me\b|\btranslate\b|\bshould i buy\b|\bwhen is the next\b|\bwhat date\b|"
    # ... or told to do it: "renew the insurance for me", "send the rota to the team".
    r"^(please |pls |can you |could you )?(book|send|pay|renew|order|email|ring|phone|print|"
    r"cancel|schedule|arrange|fix|reset|unlock|buy|sign|submit|forward|upload|install|"
    r"log me)\b(?! (of|for|level|levels)\b)|\bnear me\b|\bdirections to\b|"
    r"\b(my|our) (son|daughter|husband|wife|partner|kids?|children)\b|"
    # How to work a system or a gadget: an IT helpdesk question.
    r"\bhow do i\b.*\b(emis|systmone|teams|outlook|excel|smartcard|printer|laptop|password|"
    r"app|phone|accurx|docman|florey|ardens)\b"
)
# Pay: a question about what a job pays, not the payroll work of "I run the salaries" or "I check
# what we have submitted has been paid".
_PAY = re.compile(
    r"\b(what|whats|how much)\b.*\b(salary|salaries|pay band|pay scale|paid|earn|earns|wage)\b"
)
# A fault reported, not work described: "docman keeps crashing", "heating's broken". With "I"
# ("when the system goes down I lead the fix") it is the work of handling it.
_FAULT = re.compile(
    r"\b(crash(?! course)|crashes|crashing|crashed|frozen|freezing|broken|broke|not working|"
    r"wont work|won'?t let me|keeps? (timing out|dropping|freezing|crashing)|locked out|"
    r"cant log ?in|can'?t log ?in|wont load|won'?t load)\b"
)
_HANDLING = re.compile(
    r"\b(report|reporting|reported|check|checking|chase|chasing|arrange|arranging|sort|sorting|"
    r"log|logging|service|servicing|maintenance|repair|repairing|contract|contractor)\b"
)
_PRODUCT = re.compile(
    r"\b(emis|systmone|system one|docman|ardens|accurx|klinik|teams|outlook|excel|word|"
    r"smartcard|printer|laptop|pc|computer|wifi|internet|phone|phones|email)\b"
)
# Small talk on its own, a recommendation, a figure of the day: "good morning!", "recommend a
# good accountant", "statutory maternity pay rate this year", "our cqc rating".
_CHAT = re.compile(
    r"^(hi|hiya|hello|hey|morning|good (morning|afternoon|evening)|thanks|thank you|cheers|"
    r"ta|ok|okay|bye)( (there|all|everyone|careerbot|bot|again|so much|very much))?[!. ]*$|"
    r"\brecommend (me )?(a|an|some|any) (good )?\w+ (in|near|round|around)\b|"
    r"\b(pay|reimbursement|hourly|mileage|interest|locum|sessional|vat|tax|ssp|smp) rates?\b|"
    r"\bcalculator\b|\bour (cqc |ofsted )?(rating|inspection date|list size)\b|"
    r"\bgoing rates?\b|\bhow much (does|do|should|would|will) (a |an |the )?[\w ]{0,20}"
    r"(cost|charge)\b"
)
# Contact details asked for: "whats the phone number for the icb primary care team".
_CONTACT = re.compile(
    r"\b(phone|telephone|contact|fax) (number|no|details)\b|\bemail address\b|\bpostcode\b"
)


# Asked, not told as work: the asker's own terms, a product's how-to or fault, a clinical or
# patient's question, a date or a contact, a document to write, a firm to recommend, one
# case's law, a figure of the year. Each is for someone other than careerbot.
_ASKED_ELSEWHERE = re.compile(
    # the asker's own grade, pay and leave; what a job or an agency pays or charges
    r"\b(am i|are we|is (she|he|it)) (on )?(a )?band \d|\bband \d\w? or \d|"
    r"\bmy [\w ]{0,20}entitlement\b|\bentitlement (after|if|for me)\b|"
    r"\bbank hols?\b|\bsalary sacrifice\b|\bacting up pay\b|\blump sum\b|"
    r"\b(get|getting|be) paid overtime\b|"
    r"\b(day|hourly|session|sessional) rates?\b|"
    r"\b(pay|paid|cost|costs|charge|charges|earn|earns|worth)\b.*\bper (hour|session|day|point)\b|"
    r"\bcommission (do|does|on|off)\b|\b\d+k (fair|enough|a year)\b|\bfair for an?\b|"
    r"\bwhat do [\w ]{0,30} charge\b|\bhow much [\w ]{0,30} charge\b|"
    # how to work a product, or it failing
    r"\b(accurx|florey|docman|systmone|system one|emis|x ?on|cloud phones?|ms teams|ardens|"
    r"smartcards?)\b.*\b(down|not|keeps?|wont|won t|cant|can t)\b|"
    r"\b(how (do|can|could|does|to)|why (is|does|do|are|cant|can t|wont|won t))\b.*"
    r"\b(accurx|florey|docman|systmone|emis|x ?on|cloud phones?|ms teams|"
    r"teams (meeting|call|chat))\b|\bteams keeps\b|"
    r"^(emis|systmone|docman|accurx|the phones?|phones?|teams|wifi|internet) (is |are )?down\b|"
    # clinical questions and a patient's own requests
    r"\b(bp target|blood pressure target|statins?|metformin|dose|dosage|temp of|999|"
    r"symptoms?|antibiotics?|collapsed)\b|\bbloods (does|do|before)\b|"
    r"\bhow often should \w+ patients\b|"
    r"\bmy (own )?(medical )?records\b|\bmy (named|own) (gp|doctor)\b|"
    r"\bchange my (gp|doctor)\b|"
    # when something is due or published, and who or where to contact
    r"^when (does|do|is|are|will)\b.*\b(year end|published|announced|released|due out)\b|"
    r"\b(deadline for submitting|whats the deadline|when is the deadline)\b|"
    r"\bwho is (the|our) (clinical director|cd|caldicott guardian)\b|\bwho do i (contact|ring|call|"
    r"email|ask)\b|\bwhats the address\b|\baddress (to|for)\b|\bnumber for the\b|"
    # a document to write or a deck to make
    r"^(please |pls )?(draft|rewrite|proofread|summarise|summarize|make me|put together|"
    r"write (me |an? |something|some ))\b|\bmy cv\b|"
    # a firm to recommend
    r"\bwhich [\w ]{0,20}(accountants?|solicitors?|bureaus?|compan(y|ies)|firms?) do\b|"
    r"\b(any good|know any|best)\b.*\b(compan(y|ies)|firms?|consultanc(y|ies)|"
    r"consultants?|accountants?|bureaus?|suppliers?|solicitors?|agenc(y|ies))\b.*\b(in|near|round|"
    r"use|for)\b|\bround here\b|\bnear (me|here|us)\b|"
    r"\b(snow|snowing|rain|raining|sunny)\b|"
    # a figure of the year
    r"\b(point value|worth per point|annual fee|contribution rates?|registration threshold|"
    r"item of service fee)\b|\bhow much (is|does|do) .* (worth|pay|cost)\b|\bpoint (is )?worth\b"
)


# A question ("do i get", "how do i", "who do i ring", "when does ..."), not work told.
_ASKS = re.compile(
    r"\b(do|am|can|could|should|would|will|did|shall|must|cant|can t|wont|won t) (i|we)\b|"
    r"^(how|why|who|when|where|what|whats|which)\b"
)
# Work told without a subject: "advising practices on which payroll bureau to use", "running
# the drills for when emis goes down".
_WORK_FRAGMENT = re.compile(
    r"^(?!(morning|evening|anything|something|nothing|going|wondering|thinking|hoping|asking|"
    r"trying|moving|building|winding|maintaining)\b)\w+ing\b"
)
# One case's law, asked in the first person but never work told: "can i sack her for that".
_CASE_LAW = re.compile(
    r"\b(can|could) (i|we) (actually |legally )?(sack|dismiss|fire|force|refuse|sue)\b|"
    r"\b(am i|are we) (allowed|legally)\b|\b(do|must) (i|we) legally\b|\bis it legal\b|"
    r"\bstatutory (redundancy|sick|maternity|paternity) pay\b|\bhow much notice\b|"
    r"\bhow long (do|must|should) (we|i) (have to )?keep\b"
)


def is_off_topic(joined: str, typed: str, describes: bool) -> bool:
    """Is the message for someone other than careerbot? `describes`: it tells work in the
    first person ("I check whether it's been paid"), which is never a question about pay."""
    if _OFF_TOPIC.search(joined) or _CASE_LAW.search(typed.casefold()):
        return True
    if _WORK_FRAGMENT.match(joined):  # work told without a subject
        return False
    return bool(
        ((_PAY.search(joined) or _CONTACT.search(typed)) and not describes)
        or (
            _ASKED_ELSEWHERE.search(typed.casefold())
            and not (describes and not _ASKS.search(joined))
        )
        or _CHAT.search(typed)
        or (
            _FAULT.search(typed)
            and (_PRODUCT.search(typed) or not (describes or _HANDLING.search(typed)))
        )
    )
