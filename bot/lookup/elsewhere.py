"""What people ask a practice manager's chat bot that neither framework covers.

careerbot's own examples (not framework content), one per kind of question: the asker's own
pay, leave and pension; IT and phone support; clinical and patient questions; tasks for an
assistant; small talk. A weakly supported reading of a query that is closer in meaning to one
of these than to the framework item it found is answered "not in the frameworks".
"""

from __future__ import annotations

ELSEWHERE: tuple[str, ...] = (
    # the asker's own pay, leave, pension and benefits
    "how much annual leave am I entitled to",
    "how many days holiday do I get",
    "what will my pension be when I retire",
    "how much maternity leave do I get",
    "what pay band is my job",
    "how much does this job pay",
    "how do I claim my travel expenses",
    "why is my payslip wrong",
    "what is my tax code",
    "can I work from home on fridays",
    # IT, systems and gadgets
    "how do I reset my password",
    "my computer is not working",
    "the printer is jammed",
    "how do I change the settings on my phone",
    "what is the number for the IT service desk",
    "how do I use the clinical system",
    "my smartcard is locked",
    "the wifi is down",
    # clinical and patient questions
    "what dose of medicine should a patient take",
    "what are the symptoms of an infection",
    "book me an appointment with the doctor",
    "can I get my test results",
    "I need a repeat prescription",
    "is the surgery open at the weekend",
    # tasks for an assistant
    "write an email for me",
    "translate this letter",
    "make a spreadsheet for me",
    "find me a new job",
    "order lunch for the team meeting",
    # small talk and the world outside
    "what is the weather tomorrow",
    "tell me a joke",
    "who won the match",
    "what should I have for dinner",
    "when is the next public holiday",
    "how do I get to the station",
    "what is the news today",
    "recommend a film to watch",
    "where can I park my car",
    "is the canteen open",
    # travel, home and leisure
    "what time is the next train to London",
    "is there a bus strike tomorrow",
    "book a taxi for me",
    "where is a good place to eat nearby",
    "what is on at the cinema tonight",
    "how do I get my kids into the local school",
    "my car has broken down",
    "when are the bins collected",
    "help me plan my holiday",
    "what is the score in the football",
    # the asker's own health
    "I have a headache what should I take",
    "should I get the flu jab",
    "my back hurts",
    "how many calories should I eat",
    # pay rates and jobs in general
    "what is the going rate for a practice manager",
    "what salary should I ask for",
    "what band is a PCN manager paid",
    "how much do locum GPs charge an hour",
    # software and gadgets, by name
    "my EMIS login keeps timing out",
    "SystmOne is running slowly",
    "how do I set up an out of office reply in outlook",
    "the phone system keeps dropping calls",
    "my laptop screen is cracked",
    "how do I share my screen on Teams",
    # clinical detail
    "what is the normal blood pressure for an adult",
    "which antibiotic treats a chest infection",
    "how often should a diabetic have a foot check",
    "what vaccines does a baby need",
    # the asker's own contract and wellbeing
    "what is my notice period",
    "how much sick pay do I get",
    "can I change my working hours",
    "I feel stressed and need a day off",
    "how do I ask for a pay rise",
    "am I allowed to take unpaid leave",
    # the bot itself and chat
    "who made you",
    "are you a real person",
    "hello how are you",
    "thank you that is great",
    # general knowledge, numbers and the web
    "what is the capital of France",
    "what is 15 percent of 200",
    "convert miles to kilometres",
    "search the internet for me",
    "what is the best supermarket",
    "how do I fix a leaking tap at home",
    "what time is it in Australia",
    "which phone contract is cheapest",
    "how do I write python code",
    "give me a recipe for lasagne",
)
