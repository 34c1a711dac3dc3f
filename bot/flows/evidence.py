"""After a CPD entry is logged (`log_more`): files as evidence, a link to an objective and an
optional three-question reflection (what happened, so what, now what).

Files are the user's: stored with the entry, listed by name in the PDF, sent back with
/export and deleted by /forget. Limits are stated to the user before they send anything.
"""

from __future__ import annotations

from bot.flows.callbacks import go_data
from bot.flows.core import IDLE, INVALID, Context, FlowState, Outcome, Step, register
from bot.flows.cpd import FLOW, clean_entry
from bot.flows.events import Upload
from bot.flows.views import Button, View, rows
from bot.storage.changes import AttachEvidence, UpdateCpdEntry

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_FILES_PER_ENTRY = 5
MAX_FILENAME = 100
#: MIME type -> what the user is told
ACCEPTED = {
    "application/pdf": "PDF",
    "application/msword": "Word",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word",
    "application/vnd.ms-excel": "Excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel",
    "application/vnd.ms-powerpoint": "PowerPoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PowerPoint",
    "text/plain": "text",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
}
LIMITS = (
    f"PDF, Word, Excel, PowerPoint, text, JPEG or PNG; up to {MAX_FILE_BYTES // 2**20} MB each, "
    f"{MAX_FILES_PER_ENTRY} per entry"
)
QUESTIONS = {
    "log_what": ("reflect_what", "1/3 What happened? What did you do or learn?"),
    "log_sowhat": ("reflect_so_what", "2/3 So what? What difference did it make, and to whom?"),
    "log_nowwhat": ("reflect_now_what", "3/3 Now what? What will you do differently or next?"),
}
MAX_ANSWER = 1000


def render_log_more(state: FlowState, ctx: Context) -> View:
    files = state.payload.get("files", [])
    attached = f"\nAttached: {', '.join(files)}" if files else ""
    body = (
        f"{state.payload['summary']}{attached}\n\n"
        f"Evidence: send a document or photo now and I'll keep it with this entry ({LIMITS}).\n"
        "/log lists your entries; /export gives you the files and your plan as a PDF."
    )
    options = [state.button("Reflect (3 questions)", "r"), state.button("Done", "x")]
    if any(o.status == "open" for o in ctx.objectives or ()):
        options.insert(0, state.button("Link to an objective", "o"))
    return View(
        body,
        title="Logged",
        buttons=(
            *rows(*options, per_row=2),
            (Button("Log another", go_data("log")), Button("My plan", go_data("plan"))),
        ),
    )


def tap_log_more(state: FlowState, value: str, ctx: Context) -> Outcome:
    if value == "x":
        files = state.payload.get("files", [])
        attached = f"\nAttached: {', '.join(files)}" if files else ""
        view = View(
            f"{state.payload['summary']}{attached}\n\n/log lists your entries.",
            title="Logged",
            buttons=((Button("Log another", go_data("log")), Button("My plan", go_data("plan"))),),
        )
        return Outcome(state.moved(IDLE), views=(view,), show_state=False)
    if value == "r":
        return Outcome(state.at("log_what"))
    if value == "o":
        return Outcome(state.at("log_obj"))
    return INVALID


def upload_log_more(state: FlowState, upload: Upload, ctx: Context) -> Outcome:
    """Keep an accepted file with the entry; say why another is refused."""
    files = list(state.payload.get("files", []))
    problem = refusal(upload, len(files))
    if problem:
        return Outcome(None, views=(View(problem),))
    name = upload.filename[-MAX_FILENAME:]
    change = AttachEvidence(name, upload.mime_type, upload.content)
    return Outcome(state.updated(files=[*files, name]), changes=(change,))


def refusal(upload: Upload, attached: int) -> str:
    """Why a file cannot be kept, or "" when it can."""
    if upload.mime_type not in ACCEPTED:
        return f"I can't keep that kind of file ({upload.mime_type or 'unknown'}): {LIMITS}."
    if upload.size > MAX_FILE_BYTES or not upload.content:
        return f"That file is too big: {LIMITS}."
    if attached >= MAX_FILES_PER_ENTRY:
        return f"This entry has {attached} files already: {LIMITS}."
    return ""


def upload_elsewhere(state: FlowState, upload: Upload, ctx: Context) -> Outcome:
    """A file sent outside the log: where it can go."""
    hint = View(
        "To keep a file as evidence, log what it shows first (/log), then send the file. "
        f"({LIMITS}.)",
        buttons=rows(Button("Log CPD / evidence", go_data("log"))),
    )
    return Outcome(None, views=(hint,), show_state=state.step != IDLE)


def render_log_obj(state: FlowState, ctx: Context) -> View:
    open_ones = [o for o in ctx.objectives or () if o.status == "open"]
    buttons = [state.button(f"{n}. {o.what}"[:60], str(o.id)) for n, o in enumerate(open_ones, 1)]
    return View(
        "Which objective does this entry support?",
        title="Link to an objective",
        buttons=(*rows(*buttons), (state.button("◀ Back", "b"),)),
    )


def tap_log_obj(state: FlowState, value: str, ctx: Context) -> Outcome:
    if value == "b":
        return Outcome(state.at("log_more"))
    chosen = next(
        (o for o in ctx.objectives or () if str(o.id) == value and o.status == "open"), None
    )
    if chosen is None:
        return INVALID
    summary = f"{state.payload['summary']}\nSupports your objective: {chosen.what}"
    return Outcome(
        state.at("log_more", summary=summary), changes=(UpdateCpdEntry(objective_id=chosen.id),)
    )


def render_question(state: FlowState, ctx: Context) -> View:
    _, question = QUESTIONS[state.step]
    return View(
        f"{question}\nA few sentences in one message.",
        title="Reflection",
        buttons=rows(state.button("Skip this question", "s"), state.button("Stop", "x"), per_row=2),
    )


def _answered(state: FlowState, answer: str | None) -> Outcome:
    field, _ = QUESTIONS[state.step]
    answers = {**state.payload.get("refl", {}), field: answer}
    steps = list(QUESTIONS)
    at = steps.index(state.step)
    if at + 1 < len(steps):
        return Outcome(state.at(steps[at + 1], refl=answers))
    payload = {k: v for k, v in state.payload.items() if k != "refl"}
    payload["summary"] = f"{payload['summary']}\nReflection saved."
    return Outcome(
        FlowState("log_more", payload, state.version), changes=(UpdateCpdEntry(**answers),)
    )


def tap_question(state: FlowState, value: str, ctx: Context) -> Outcome:
    if value == "s":
        return _answered(state, None)
    if value == "x":
        return Outcome(state.at("log_more"))
    return INVALID


def text_question(state: FlowState, text: str, ctx: Context) -> Outcome:
    answer = clean_entry(text)[:MAX_ANSWER]
    return _answered(state, answer) if answer else Outcome(None)


register(
    Step(
        "log_more",
        FLOW,
        render_log_more,
        tap_log_more,
        upload=upload_log_more,
        loads=("objectives",),
    ),
    Step("log_obj", FLOW, render_log_obj, tap_log_obj, loads=("objectives",)),
    *(Step(name, FLOW, render_question, tap_question, text_question) for name in QUESTIONS),
)
