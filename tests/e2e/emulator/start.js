#!/usr/bin/env node
// Bot API emulator for careerbot's end-to-end tests.
//
// Runs telegram-test-api 4.2.1 (pinned in package.json) and corrects it at runtime so that
// python-telegram-bot 22 can poll it, and adds the Bot API methods careerbot uses.
//
//   node start.js [PORT]        (or PORT=... node start.js; 0 or nothing = any free port)
//
// Prints "READY <port>" on stdout once listening; stops on SIGTERM/SIGINT (and on stdin EOF
// when EMULATOR_EXIT_ON_STDIN_EOF=1, so it never outlives the test process that started it).
//
// Bot side:  POST/GET /bot<token>/<method>  (base_url = http://127.0.0.1:PORT/bot)
// User side (JSON bodies, answer {ok, result} or {ok:false, description} with HTTP 400):
//   /sendMessage /sendCommand /sendCallback   a user writes, sends a command, presses a button
//   /injectUpdate {token, update}             any raw update (inline_query, chat_member, ...)
//   /botActions {token, chatId?, method?}     what the bot did, in order (chatId omitted: all)
//   /chatMessages {token, chatId}             current state of every message in a chat
//   /setChatMember {token, chatId, member}    what getChatMember answers for that user
//   /stats {token}                            Bot API calls served per method, dropped updates,
//                                             held calls, how often each update was handed out
//   /hold {token, method}                     calls of that Bot API method hang, unanswered and
//                                             unrecorded (a bot stuck mid-reply, to be killed)
//   /release {token}                          stop holding; held calls fail (HTTP 503)
//   /reset {token?}                           forget all chats, messages and actions
//   /getUpdates /getUpdatesHistory            telegram-test-api's own user-side routes, kept
'use strict';

const libRoutes = require('telegram-test-api/lib/routes/index');
const TelegramServer = require('telegram-test-api'); // the package exports the class itself

const BOT = {
  id: 666,
  is_bot: true,
  first_name: 'Test First name',
  username: 'TestNameBot',
};
const HOST = '127.0.0.1';
const TEXT_LIMIT = 4096;
const CAPTION_LIMIT = 1024;
const MAX_UPLOAD = 50 * 1024 * 1024;
// Without allowed_updates Telegram sends every update type except these three.
const NOT_SENT_BY_DEFAULT = new Set(['chat_member', 'message_reaction', 'message_reaction_count']);

class ApiError extends Error {
  constructor(description, code = 400) {
    super(description);
    this.code = code;
  }
}
const bad = (description) => new ApiError(`Bad Request: ${description}`);

// ---------------------------------------------------------------------------------------------
// Emulator state that telegram-test-api does not keep.
const state = {
  seq: 0,
  fileSeq: 0,
  chats: new Map(), // chat id -> Chat object, learnt from the user side
  users: new Map(), // user id -> User object
  members: new Map(), // `${chatId}|${userId}` -> ChatMember set by a test
  actions: [], // {seq, token, chat_id, method, ...}
  callbacks: new Map(), // callback query id -> {chat_id, user_id, answered}
  inlineQueries: new Map(), // inline query id -> user id
  files: new Map(), // file_id -> {file_name, mime_type, file_size}
  commands: new Map(), // `${token}|${scope}|${lang}` -> BotCommand[]
  menuButtons: new Map(), // `${token}|${chatId}` -> MenuButton
  allowedUpdates: new Map(), // token -> Set of update types, or absent for Telegram's default
  calls: new Map(), // token -> {method: count}
  dropped: [], // updates not delivered because allowed_updates excluded their type
  pollers: new Map(), // token -> pending long-poll {finish}
  holding: new Map(), // token -> Set of Bot API methods whose calls hang (/hold)
  held: new Map(), // token -> {method: calls held so far}
  waiting: [], // {token, fail} of each call held now
  deliveries: new Map(), // `${token}|${updateId}` -> times getUpdates handed the update out
};

const now = () => Math.floor(Date.now() / 1000);
const toSeconds = (t) => (typeof t === 'number' && t > 1e11 ? Math.floor(t / 1000) : t);
const chatInstance = (chatId) => `ci${String(chatId).replace('-', 'n')}`;

function parseJson(value, field) {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch (e) {
    throw bad(`can't parse ${field} JSON object`);
  }
}

function parseIntStrict(value, field, { required = true } = {}) {
  if (value === undefined || value === null || value === '') {
    if (required) throw bad(`${field} is empty`);
    return undefined;
  }
  const n = Number(value);
  if (!Number.isInteger(n)) throw bad(`invalid ${field} specified`);
  return n;
}

const parseBool = (v) => v === true || v === 'true' || v === '1' || v === 1;

function chatFor(chatId) {
  if (typeof chatId === 'string' && chatId.startsWith('@')) throw bad('chat not found');
  const id = parseIntStrict(chatId, 'chat_id');
  if (state.chats.has(id)) return { ...state.chats.get(id) };
  if (id > 0) return { id, type: 'private', first_name: `User ${id}` };
  if (id < -1e12) return { id, type: 'supergroup', title: `Group ${id}` };
  return { id, type: 'group', title: `Group ${id}` };
}

function record(token, chatId, method, fields) {
  state.seq += 1;
  const action = {
    seq: state.seq,
    date: now(),
    at_ms: Date.now(), // when the call arrived, for rate checks
    chat_id: chatId === undefined || chatId === null ? null : Number(chatId),
    method,
    ...fields,
  };
  state.actions.push({ token, ...action });
  return action;
}

// ---------------------------------------------------------------------------------------------
// Text formatting: Telegram renders parse_mode=HTML and rejects what it cannot parse.
const HTML_TAGS = {
  b: 'bold',
  strong: 'bold',
  i: 'italic',
  em: 'italic',
  u: 'underline',
  ins: 'underline',
  s: 'strikethrough',
  strike: 'strikethrough',
  del: 'strikethrough',
  'tg-spoiler': 'spoiler',
  span: 'spoiler',
  a: 'text_link',
  code: 'code',
  pre: 'pre',
  blockquote: 'blockquote',
  'tg-emoji': 'custom_emoji',
};
const HTML_ENTITIES = { lt: '<', gt: '>', amp: '&', quot: '"' };

function parseHtml(source) {
  let text = '';
  const entities = [];
  const stack = [];
  const re = /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^>]*)?)>|<|&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g;
  let last = 0;
  let m;
  const fail = (what) => bad(`can't parse entities: ${what} at byte offset ${Buffer.byteLength(source.slice(0, m.index))}`);
  while ((m = re.exec(source)) !== null) {
    text += source.slice(last, m.index);
    last = re.lastIndex;
    if (m[0] === '<') throw fail('Unexpected end of name token');
    if (m[4] !== undefined) {
      const e = m[4];
      if (e.startsWith('#x')) text += String.fromCodePoint(parseInt(e.slice(2), 16));
      else if (e.startsWith('#')) text += String.fromCodePoint(parseInt(e.slice(1), 10));
      else if (HTML_ENTITIES[e.toLowerCase()] !== undefined) text += HTML_ENTITIES[e.toLowerCase()];
      else text += m[0]; // unknown named entities stay as typed
      continue;
    }
    const closing = m[1] === '/';
    const tag = m[2].toLowerCase();
    if (!(tag in HTML_TAGS)) throw fail(`Unsupported ${closing ? 'end' : 'start'} tag "${tag}"`);
    if (closing) {
      const open = stack.pop();
      if (!open || open.tag !== tag) {
        throw fail(`Unmatched end tag, expected "</${open ? open.tag : ''}>", found "</${tag}>"`);
      }
      const length = text.length - open.offset;
      if (length > 0) {
        const entity = { type: open.type, offset: open.offset, length, ...open.extra };
        entities.push(entity);
      }
      continue;
    }
    const attrs = {};
    m[3].replace(/([a-zA-Z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+))/g, (_, k, a, b, c) => {
      attrs[k.toLowerCase()] = a ?? b ?? c;
    });
    let type = HTML_TAGS[tag];
    const extra = {};
    if (tag === 'span' && attrs.class !== 'tg-spoiler') throw fail('Unsupported start tag "span"');
    if (tag === 'a') {
      const href = attrs.href || '';
      const mention = /^tg:\/\/user\?id=(\d+)$/.exec(href);
      if (mention) {
        type = 'text_mention';
        extra.user = { id: Number(mention[1]), is_bot: false, first_name: `User ${mention[1]}` };
      } else extra.url = href;
    }
    if (tag === 'tg-emoji') extra.custom_emoji_id = attrs['emoji-id'] || '';
    if (tag === 'blockquote' && 'expandable' in attrs) type = 'expandable_blockquote';
    if (tag === 'blockquote' && /\sexpandable(\s|$)/.test(m[3])) type = 'expandable_blockquote';
    if (tag === 'code' && stack.length && stack[stack.length - 1].tag === 'pre' && attrs.class) {
      const pre = stack[stack.length - 1];
      pre.extra.language = attrs.class.replace(/^language-/, '');
    }
    stack.push({ tag, type, offset: text.length, extra });
  }
  text += source.slice(last);
  if (stack.length) {
    throw bad(`can't parse entities: Can't find end tag corresponding to start tag "${stack[stack.length - 1].tag}"`);
  }
  entities.sort((a, b) => a.offset - b.offset || b.length - a.length);
  return { text, entities };
}

// Returns {text, entities, parse_mode} as the user sees it.
function formatText(raw, parseMode, rawEntities, what) {
  if (raw === undefined || raw === null) return null;
  const source = String(raw);
  let text = source;
  let entities = rawEntities ? parseJson(rawEntities, `${what} entities`) : undefined;
  const mode = parseMode ? String(parseMode) : undefined;
  if (mode && !entities) {
    const lower = mode.toLowerCase();
    if (lower === 'html') ({ text, entities } = parseHtml(source));
    else if (lower !== 'markdown' && lower !== 'markdownv2') throw bad(`unsupported parse_mode`);
    // Markdown/MarkdownV2 are passed through unrendered (the emulator does not parse them).
  }
  const result = { text };
  if (entities && entities.length) result.entities = entities;
  if (mode) result.parse_mode = mode;
  return result;
}

// Telegram's limits on inline keyboards: what a real client would refuse.
function parseMarkup(raw) {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const markup = parseJson(raw, 'reply_markup');
  if (!markup || typeof markup !== 'object') throw bad("can't parse reply keyboard markup JSON object");
  if ('inline_keyboard' in markup) {
    if (!Array.isArray(markup.inline_keyboard)) throw bad('field "inline_keyboard" of the InlineKeyboardMarkup should be an Array');
    for (const row of markup.inline_keyboard) {
      if (!Array.isArray(row)) throw bad('field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays');
      for (const button of row) {
        if (!button || typeof button.text !== 'string' || !button.text) throw bad("can't parse inline keyboard button: button text must be a non-empty String");
        if (!BUTTON_ACTIONS.some((k) => k in button)) throw bad("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard");
        if ('callback_data' in button) {
          const size = Buffer.byteLength(String(button.callback_data));
          if (size < 1 || size > 64) throw bad('BUTTON_DATA_INVALID');
        }
      }
    }
  }
  return markup;
}

const BUTTON_ACTIONS = ['callback_data', 'url', 'switch_inline_query', 'switch_inline_query_current_chat',
  'switch_inline_query_chosen_chat', 'login_url', 'web_app', 'pay', 'callback_game', 'copy_text'];
const inlineOnly = (markup) => (markup && 'inline_keyboard' in markup ? markup : undefined);
const sameJson = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

function checkLength(formatted, limit, what) {
  if (!formatted || !formatted.text.trim()) throw bad(`${what} is empty`);
  if (formatted.text.length > limit) throw bad(`${what} is too long`);
}

// ---------------------------------------------------------------------------------------------
// Messages as the bot (and the user side) sees them.
function apiMessage(entry) {
  const m = entry.message;
  const msg = {
    message_id: entry.messageId,
    from: { ...BOT },
    chat: chatFor(m.chat_id),
    date: toSeconds(entry.time),
  };
  if (m.edit_date) msg.edit_date = m.edit_date;
  if (m.text !== undefined) msg.text = m.text;
  if (m.entities) msg.entities = m.entities;
  if (m.photo) msg.photo = m.photo;
  if (m.document) msg.document = m.document;
  if (m.caption !== undefined) msg.caption = m.caption;
  if (m.caption_entities) msg.caption_entities = m.caption_entities;
  const inline = inlineOnly(m.reply_markup);
  if (inline) msg.reply_markup = inline;
  if (m.reply_to_message) msg.reply_to_message = m.reply_to_message;
  return msg;
}

const userMessage = (entry) => TelegramServer.formatUpdate(entry).message;

function findBotEntry(tg, chatId, messageId) {
  return tg.storage.botMessages.find(
    (u) => u.messageId === messageId && String(u.message.chat_id) === String(chatId),
  );
}

function findAnyMessage(tg, token, chatId, messageId) {
  const bot = findBotEntry(tg, chatId, messageId);
  if (bot && bot.botToken === token) return apiMessage(bot);
  const user = tg.storage.userMessages.find(
    (u) => u.botToken === token && u.message && !u.raw && u.messageId === messageId
      && String(u.message.chat.id) === String(chatId),
  );
  return user ? userMessage(user) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Corrections of telegram-test-api's TelegramServer, applied to the class and the instance.

// Updates: dates in seconds, no internal fields, callback queries with chat_instance, raw updates as injected.
const originalFormatUpdate = TelegramServer.formatUpdate;
TelegramServer.formatUpdate = function formatUpdate(update) {
  if (update.raw) return { ...update.raw, update_id: update.updateId };
  const formatted = originalFormatUpdate.call(TelegramServer, update);
  if (formatted.callback_query) {
    const q = formatted.callback_query;
    q.chat_instance = update.callbackQuery.chat_instance
      || chatInstance(q.message && q.message.chat ? q.message.chat.id : q.from.id);
    if (q.message && q.message.date) q.message.date = toSeconds(q.message.date);
  }
  if (formatted.message) {
    const msg = formatted.message;
    delete msg.botToken;
    delete msg.token;
    msg.date = toSeconds(msg.date || update.time);
  }
  return formatted;
};

function patchInstance(tg) {
  // sendMessage result: date in seconds, the real chat, only inline keyboards (the original returns ms and raw fields).
  const originalAddBotMessage = tg.addBotMessage.bind(tg);
  tg.addBotMessage = (rawMessage, botToken) => {
    const { message_id: messageId } = originalAddBotMessage(rawMessage, botToken);
    return apiMessage(findBotEntry(tg, rawMessage.chat_id, messageId));
  };

  // Wake a pending long poll as soon as an update for its bot is stored.
  const originalAddUserUpdate = tg.addUserUpdate.bind(tg);
  tg.addUserUpdate = async (update) => {
    await originalAddUserUpdate(update);
    wakePoller(update.botToken);
  };

  // Edits change the stored message (so getUpdatesHistory shows them) and return the edited Message.
  tg.editMessageText = (token, chatId, messageId, body) => {
    const entry = editableEntry(tg, token, chatId, messageId);
    if (entry.message.text === undefined) throw bad('there is no text in the message to edit');
    const formatted = formatText(body.text, body.parse_mode, body.entities, 'text');
    checkLength(formatted, TEXT_LIMIT, 'message text');
    const markup = inlineOnly(parseMarkup(body.reply_markup));
    return applyEdit(tg, entry, { text: formatted.text, entities: formatted.entities, parse_mode: formatted.parse_mode, reply_markup: markup }, 'EditedMessageText');
  };
  tg.editMessageCaption = (token, chatId, messageId, body) => {
    const entry = editableEntry(tg, token, chatId, messageId);
    if (entry.message.text !== undefined) throw bad('there is no caption in the message to edit');
    const formatted = formatText(body.caption ?? '', body.parse_mode, body.caption_entities, 'caption');
    if (formatted.text.length > CAPTION_LIMIT) throw bad('message caption is too long');
    const markup = inlineOnly(parseMarkup(body.reply_markup));
    return applyEdit(tg, entry, {
      caption: formatted.text || undefined,
      caption_entities: formatted.entities,
      reply_markup: markup,
    }, 'EditedMessageText');
  };
  tg.editMessageReplyMarkup = (token, chatId, messageId, body) => {
    const entry = editableEntry(tg, token, chatId, messageId);
    const markup = inlineOnly(parseMarkup(body.reply_markup));
    return applyEdit(tg, entry, { reply_markup: markup }, 'EditedMessageReplyMarkup');
  };

  // The library's deleteMessage crashes on injected (raw) updates; delete by chat and id instead.
  tg.deleteMessage = (token, chatId, messageId) => {
    const matches = (u) => u.botToken === token && u.messageId === messageId && (u.message
      && String(u.message.chat_id ?? (u.message.chat && u.message.chat.id)) === String(chatId));
    const before = tg.storage.botMessages.length + tg.storage.userMessages.length;
    tg.storage.botMessages = tg.storage.botMessages.filter((u) => !matches(u));
    tg.storage.userMessages = tg.storage.userMessages.filter((u) => u.raw || u.callbackQuery || !matches(u));
    return before !== tg.storage.botMessages.length + tg.storage.userMessages.length;
  };
}

function editableEntry(tg, token, chatId, messageId) {
  const entry = findBotEntry(tg, chatId, messageId);
  if (!entry || entry.botToken !== token) throw bad('message to edit not found');
  return entry;
}

function applyEdit(tg, entry, changes, event) {
  const before = { ...entry.message };
  const next = { ...entry.message, ...changes };
  for (const key of Object.keys(changes)) if (changes[key] === undefined) delete next[key];
  const keys = ['text', 'entities', 'caption', 'caption_entities', 'reply_markup'];
  if (keys.every((k) => sameJson(before[k], next[k]))) {
    throw bad('message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message');
  }
  next.edit_date = now();
  entry.message = next;
  tg.emit(event);
  return apiMessage(entry);
}

// ---------------------------------------------------------------------------------------------
// getUpdates: offset confirms earlier updates; long-polls up to `timeout` seconds.
function wakePoller(token) {
  const poller = state.pollers.get(token);
  if (poller) poller.wake();
}

function updateType(formatted) {
  return Object.keys(formatted).find((k) => k !== 'update_id');
}

function pendingUpdates(tg, token, offset, limit) {
  const allowed = state.allowedUpdates.get(token);
  const out = [];
  const queue = tg.storage.userMessages
    .filter((u) => u.botToken === token && !u.confirmed)
    .sort((a, b) => a.updateId - b.updateId);
  let candidates = queue;
  if (offset < 0) candidates = queue.slice(offset);
  else if (offset > 0) {
    for (const u of queue) if (u.updateId < offset) u.confirmed = true;
    candidates = queue.filter((u) => u.updateId >= offset);
  }
  for (const u of candidates) {
    const formatted = TelegramServer.formatUpdate(u);
    const type = updateType(formatted);
    const permitted = allowed ? allowed.has(type) : !NOT_SENT_BY_DEFAULT.has(type);
    if (!permitted) {
      u.confirmed = true;
      state.dropped.push({ token, update_id: u.updateId, type, reason: 'not in allowed_updates' });
      continue;
    }
    u.isRead = true;
    const key = `${token}|${u.updateId}`;
    state.deliveries.set(key, (state.deliveries.get(key) || 0) + 1);
    out.push(formatted);
    if (out.length >= limit) break;
  }
  return out;
}

function getUpdates(tg, token, body, res) {
  if (tg.webhooks[token]) {
    throw new ApiError("Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first", 409);
  }
  const offset = parseIntStrict(body.offset, 'offset', { required: false }) || 0;
  const limit = Math.min(100, Math.max(1, parseIntStrict(body.limit, 'limit', { required: false }) || 100));
  const timeout = Math.min(50, Math.max(0, Number(body.timeout) || 0));
  if (body.allowed_updates !== undefined && body.allowed_updates !== '') {
    const list = parseJson(body.allowed_updates, 'allowed_updates');
    if (Array.isArray(list) && list.length) state.allowedUpdates.set(token, new Set(list));
    else state.allowedUpdates.delete(token);
  }
  // Telegram ends an earlier long poll of the same bot with 409 (two bot instances running).
  const earlier = state.pollers.get(token);
  if (earlier) earlier.conflict();

  const first = pendingUpdates(tg, token, offset, limit);
  if (first.length || timeout === 0) return first;

  return new Promise((resolve, reject) => {
    let timer = null;
    const poller = {};
    const done = () => {
      clearTimeout(timer);
      if (state.pollers.get(token) === poller) state.pollers.delete(token);
    };
    poller.wake = () => {
      const updates = pendingUpdates(tg, token, offset, limit);
      if (updates.length) {
        done();
        resolve(updates);
      }
    };
    poller.finish = () => {
      done();
      resolve([]);
    };
    poller.conflict = () => {
      done();
      reject(new ApiError('Conflict: terminated by other getUpdates request; make sure that only one bot instance is running', 409));
    };
    timer = setTimeout(poller.finish, timeout * 1000);
    res.on('close', done); // the bot gave up (e.g. PTB shutting down)
    state.pollers.set(token, poller);
  });
}

// ---------------------------------------------------------------------------------------------
// multipart/form-data (sendPhoto, sendDocument uploads): the library only parses JSON and urlencoded.
function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_UPLOAD) {
        reject(new ApiError('Request Entity Too Large', 413));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function parseMultipart(req) {
  const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(req.headers['content-type'] || '');
  if (!match) throw bad('multipart request without boundary');
  const boundary = Buffer.from(`--${match[1] || match[2]}`);
  const body = await readBody(req);
  const fields = {};
  const files = {};
  let pos = body.indexOf(boundary);
  while (pos !== -1) {
    const start = pos + boundary.length;
    if (body.slice(start, start + 2).toString() === '--') break;
    const next = body.indexOf(boundary, start);
    if (next === -1) break;
    const part = body.slice(start + 2, next - 2); // strip CRLF after boundary and before the next
    const headerEnd = part.indexOf('\r\n\r\n');
    const headers = part.slice(0, headerEnd).toString('utf8');
    const content = part.slice(headerEnd + 4);
    const name = /name="([^"]*)"/i.exec(headers);
    const filename = /filename="([^"]*)"/i.exec(headers);
    const type = /content-type:\s*([^\r\n]+)/i.exec(headers);
    if (name) {
      if (filename) {
        files[name[1]] = {
          filename: filename[1],
          mime_type: type ? type[1].trim() : 'application/octet-stream',
          size: content.length,
        };
      } else {
        fields[name[1]] = content.toString('utf8');
      }
    }
    pos = next;
  }
  return { fields, files };
}

// A sent file (upload, attach:// reference or a file_id sent again).
function fileFor(body, files, field) {
  const value = body[field];
  if (value === undefined && !files[field]) throw bad(`there is no ${field} in the request`);
  let upload = files[field];
  if (!upload && typeof value === 'string' && value.startsWith('attach://')) upload = files[value.slice(9)];
  if (upload) {
    state.fileSeq += 1;
    const fileId = `EMU-${field.toUpperCase()}-${state.fileSeq}`;
    const info = { file_id: fileId, file_unique_id: `U${state.fileSeq}`, file_name: upload.filename, mime_type: upload.mime_type, file_size: upload.size };
    state.files.set(fileId, info);
    return { ...info, uploaded: true };
  }
  const known = state.files.get(String(value));
  if (known) return { ...known, uploaded: false };
  // A URL or a file_id the emulator never issued: accept it as Telegram would fetch/resolve it.
  state.fileSeq += 1;
  return { file_id: String(value), file_unique_id: `U${state.fileSeq}`, file_name: String(value).split('/').pop(), mime_type: 'application/octet-stream', file_size: 0, uploaded: false };
}

// ---------------------------------------------------------------------------------------------
// Bot API methods. Each handler gets (ctx) = {tg, token, body, files, res} and returns the result.
function sendMedia(kind) {
  return ({ tg, token, body, files }) => {
    const chat = chatFor(body.chat_id);
    const file = fileFor(body, files, kind);
    const caption = formatText(body.caption, body.parse_mode, body.caption_entities, 'caption');
    if (caption && caption.text.length > CAPTION_LIMIT) throw bad('message caption is too long');
    const message = { chat_id: chat.id };
    if (kind === 'photo') {
      message.photo = [
        { file_id: file.file_id, file_unique_id: file.file_unique_id, width: 90, height: 90, file_size: Math.min(file.file_size, 2000) },
        { file_id: file.file_id, file_unique_id: file.file_unique_id, width: 800, height: 600, file_size: file.file_size },
      ];
    } else {
      message.document = { file_id: file.file_id, file_unique_id: file.file_unique_id, file_name: file.file_name, mime_type: file.mime_type, file_size: file.file_size };
    }
    if (caption && caption.text) {
      message.caption = caption.text;
      if (caption.entities) message.caption_entities = caption.entities;
    }
    const markup = parseMarkup(body.reply_markup);
    if (markup) message.reply_markup = markup;
    const sent = tg.addBotMessage(message, token);
    const method = kind === 'photo' ? 'sendPhoto' : 'sendDocument';
    record(token, chat.id, method, {
      message_id: sent.message_id,
      filename: file.file_name,
      size: file.file_size,
      mime_type: file.mime_type,
      uploaded: file.uploaded,
      caption: message.caption ?? null,
      reply_markup: markup ?? null,
      message: sent,
    });
    return sent;
  };
}

function editTarget(body) {
  if (body.inline_message_id) return null;
  const chat = chatFor(body.chat_id);
  return { chatId: chat.id, messageId: parseIntStrict(body.message_id, 'message_id') };
}

function editHandler(method, fn) {
  return ({ tg, token, body }) => {
    const target = editTarget(body);
    if (!target) {
      record(token, null, method, { inline_message_id: String(body.inline_message_id), text: body.text ?? null, caption: body.caption ?? null, reply_markup: parseMarkup(body.reply_markup) ?? null });
      return true;
    }
    const edited = fn(token, target.chatId, target.messageId, body);
    record(token, target.chatId, method, {
      message_id: edited.message_id,
      text: edited.text ?? null,
      caption: edited.caption ?? null,
      reply_markup: edited.reply_markup ?? null,
      message: edited,
    });
    return edited;
  };
}

function scopeKey(token, body) {
  const scope = parseJson(body.scope, 'scope') || { type: 'default' };
  return { key: `${token}|${JSON.stringify(scope)}|${body.language_code || ''}`, scope, chatId: scope.chat_id ?? null };
}

const handlers = {
  // getMe: PTB's User needs is_bot (the library omits it), plus the bot's capabilities.
  getMe: () => ({
    ...BOT,
    can_join_groups: true,
    can_read_all_group_messages: false,
    supports_inline_queries: true,
    can_connect_to_business: false,
    has_main_web_app: false,
  }),
  // getUpdates: honours offset/limit/allowed_updates and long-polls (the library's ignores them and PTB spins).
  getUpdates: ({ tg, token, body, res }) => getUpdates(tg, token, body, res),
  deleteWebhook: ({ tg, token }) => {
    tg.deleteWebhook(token);
    return true;
  },
  getWebhookInfo: ({ tg, token }) => ({
    url: tg.webhooks[token] ? tg.webhooks[token].url : '',
    has_custom_certificate: false,
    pending_update_count: tg.storage.userMessages.filter((u) => u.botToken === token && !u.confirmed).length,
  }),

  sendMessage: ({ tg, token, body }) => {
    const chat = chatFor(body.chat_id);
    const formatted = formatText(body.text, body.parse_mode, body.entities, 'text');
    checkLength(formatted, TEXT_LIMIT, 'message text');
    const markup = parseMarkup(body.reply_markup);
    const message = { chat_id: chat.id, text: formatted.text };
    if (formatted.entities) message.entities = formatted.entities;
    if (formatted.parse_mode) message.parse_mode = formatted.parse_mode;
    if (markup) message.reply_markup = markup;
    const replyTo = body.reply_parameters ? parseJson(body.reply_parameters, 'reply_parameters').message_id : body.reply_to_message_id;
    if (replyTo !== undefined) {
      const original = findAnyMessage(tg, token, chat.id, Number(replyTo));
      if (original) message.reply_to_message = original;
    }
    const sent = tg.addBotMessage(message, token);
    record(token, chat.id, 'sendMessage', { message_id: sent.message_id, text: sent.text, reply_markup: markup ?? null, message: sent });
    return sent;
  },
  sendPhoto: sendMedia('photo'),
  sendDocument: sendMedia('document'),
  sendChatAction: ({ token, body }) => {
    const chat = chatFor(body.chat_id);
    record(token, chat.id, 'sendChatAction', { action: String(body.action || '') });
    return true;
  },
  editMessageText: (ctx) => editHandler('editMessageText', ctx.tg.editMessageText)(ctx),
  editMessageCaption: (ctx) => editHandler('editMessageCaption', ctx.tg.editMessageCaption)(ctx),
  editMessageReplyMarkup: (ctx) => editHandler('editMessageReplyMarkup', ctx.tg.editMessageReplyMarkup)(ctx),
  deleteMessage: ({ tg, token, body }) => {
    const chat = chatFor(body.chat_id);
    const messageId = parseIntStrict(body.message_id, 'message_id');
    if (!tg.deleteMessage(token, chat.id, messageId)) throw bad('message to delete not found');
    record(token, chat.id, 'deleteMessage', { message_id: messageId });
    return true;
  },

  answerCallbackQuery: ({ token, body }) => {
    const id = String(body.callback_query_id || '');
    const known = state.callbacks.get(id);
    if (!known) throw bad('query is too old and response timeout expired or query ID is invalid');
    const action = record(token, known.chat_id, 'answerCallbackQuery', {
      callback_query_id: id,
      text: body.text ?? null,
      show_alert: parseBool(body.show_alert),
      url: body.url ?? null,
      already_answered: known.answered,
    });
    known.answered = action.seq;
    return true;
  },
  answerInlineQuery: ({ token, body }) => {
    const id = String(body.inline_query_id || '');
    if (!state.inlineQueries.has(id)) throw bad('query is too old and response timeout expired or query ID is invalid');
    const results = parseJson(body.results, 'results');
    if (!Array.isArray(results)) throw bad('field "results" must be an Array');
    if (results.length > 50) throw bad('RESULTS_TOO_MUCH');
    const ids = new Set();
    for (const r of results) {
      if (!r || !r.type || r.id === undefined) throw bad('RESULT_TYPE_INVALID');
      if (ids.has(String(r.id))) throw bad('RESULT_ID_DUPLICATE');
      ids.add(String(r.id));
    }
    record(token, state.inlineQueries.get(id), 'answerInlineQuery', {
      inline_query_id: id,
      results,
      cache_time: body.cache_time !== undefined ? Number(body.cache_time) : null,
      is_personal: parseBool(body.is_personal),
      next_offset: body.next_offset ?? null,
      button: parseJson(body.button, 'button') ?? null,
    });
    return true;
  },

  setMyCommands: ({ token, body }) => {
    const commands = parseJson(body.commands, 'commands');
    if (!Array.isArray(commands) || commands.length > 100) throw bad('BOT_COMMANDS_TOO_MUCH');
    for (const c of commands) {
      if (!c || !/^[a-z0-9_]{1,32}$/.test(String(c.command))) throw bad('BOT_COMMAND_INVALID');
      const description = String(c.description ?? '');
      if (description.length < 1 || description.length > 256) throw bad('BOT_COMMAND_DESCRIPTION_INVALID');
    }
    const { key, scope, chatId } = scopeKey(token, body);
    state.commands.set(key, commands.map((c) => ({ command: c.command, description: c.description })));
    record(token, chatId, 'setMyCommands', { commands, scope, language_code: body.language_code ?? null });
    return true;
  },
  deleteMyCommands: ({ token, body }) => {
    const { key, scope, chatId } = scopeKey(token, body);
    state.commands.delete(key);
    record(token, chatId, 'deleteMyCommands', { scope, language_code: body.language_code ?? null });
    return true;
  },
  getMyCommands: ({ token, body }) => state.commands.get(scopeKey(token, body).key) || [],
  setChatMenuButton: ({ token, body }) => {
    const chatId = body.chat_id !== undefined ? chatFor(body.chat_id).id : null;
    const button = parseJson(body.menu_button, 'menu_button') || { type: 'default' };
    state.menuButtons.set(`${token}|${chatId}`, button);
    record(token, chatId, 'setChatMenuButton', { menu_button: button });
    return true;
  },
  getChatMenuButton: ({ token, body }) => {
    const chatId = body.chat_id !== undefined ? chatFor(body.chat_id).id : null;
    return state.menuButtons.get(`${token}|${chatId}`) || state.menuButtons.get(`${token}|null`) || { type: 'default' };
  },

  getChat: ({ body }) => {
    const chat = chatFor(body.chat_id);
    if (!state.chats.has(chat.id)) throw bad('chat not found');
    return {
      ...chat,
      accent_color_id: 0,
      max_reaction_count: 11,
      accepted_gift_types: { unlimited_gifts: false, limited_gifts: false, unique_gifts: false, premium_subscription: false, gifts_from_channels: false },
    };
  },
  getChatMember: ({ body }) => {
    const chat = chatFor(body.chat_id);
    const userId = parseIntStrict(body.user_id, 'user_id');
    const set = state.members.get(`${chat.id}|${userId}`);
    if (set) return set;
    if (userId === BOT.id) return { status: chat.type === 'private' ? 'member' : 'administrator', user: { ...BOT }, ...(chat.type === 'private' ? {} : adminRights()) };
    const user = state.users.get(userId);
    if (!user) throw bad('user not found');
    return { status: 'member', user };
  },
  leaveChat: ({ token, body }) => {
    const chat = chatFor(body.chat_id);
    record(token, chat.id, 'leaveChat', {});
    return true;
  },
};

function adminRights() {
  const rights = {};
  for (const k of ['can_be_edited', 'is_anonymous', 'can_manage_chat', 'can_delete_messages', 'can_manage_video_chats', 'can_restrict_members', 'can_promote_members', 'can_change_info', 'can_invite_users', 'can_post_stories', 'can_edit_stories', 'can_delete_stories']) rights[k] = false;
  rights.can_manage_chat = true;
  return rights;
}

// Telegram method names are case-insensitive.
const byLowerName = new Map(Object.keys(handlers).map((name) => [name.toLowerCase(), name]));
// Left to telegram-test-api's own routes (webhook mode is not used by our tests).
const LIBRARY_METHODS = new Set(['setwebhook']);

function countCall(token, method) {
  if (!state.calls.has(token)) state.calls.set(token, {});
  const calls = state.calls.get(token);
  calls[method] = (calls[method] || 0) + 1;
}

// A held call waits until /release and then fails: whatever it asked for never happened.
function hold(token, method) {
  if (!state.held.has(token)) state.held.set(token, {});
  const held = state.held.get(token);
  held[method] = (held[method] || 0) + 1;
  return new Promise((resolve, reject) => {
    state.waiting.push({ token, fail: () => reject(new ApiError('Service Unavailable: released', 503)) });
  });
}

function botApiRoute(app, tg) {
  app.all('/bot:token/:method', async (req, res, next) => {
    const { token } = req.params;
    const lower = req.params.method.toLowerCase();
    const name = byLowerName.get(lower);
    countCall(token, name || req.params.method);
    if (!name && LIBRARY_METHODS.has(lower)) {
      next();
      return;
    }
    try {
      if (!name) throw new ApiError(`Method ${req.params.method} not implemented by emulator`, 400);
      if ((state.holding.get(token) || new Set()).has(name)) await hold(token, name);
      let body = { ...req.query, ...(req.body || {}) };
      let files = {};
      if (req.is('multipart/form-data')) {
        const parsed = await parseMultipart(req);
        body = { ...body, ...parsed.fields };
        files = parsed.files;
      }
      const result = await handlers[name]({ tg, token, body, files, res });
      if (!res.headersSent) res.status(200).json({ ok: true, result });
    } catch (error) {
      if (res.headersSent) return;
      if (error instanceof ApiError) {
        res.status(error.code).json({ ok: false, error_code: error.code, description: error.message });
      } else {
        process.stderr.write(`emulator: ${req.params.method} failed: ${error && error.stack}\n`);
        res.status(500).json({ ok: false, error_code: 500, description: `Internal Server Error: ${error}` });
      }
    }
  });
}

// ---------------------------------------------------------------------------------------------
// User side. Validated versions of the library's routes (a bad body used to crash Node),
// plus routes for what the library cannot simulate.
function userRoute(app, route, fn) {
  app.post(route, async (req, res) => {
    try {
      const body = req.body || {};
      const token = body.token || body.botToken;
      if (!token || typeof token !== 'string') throw bad('token is required');
      res.json({ ok: true, result: await fn(token, body) });
    } catch (error) {
      const description = error instanceof ApiError ? error.message : String(error && error.stack);
      res.status(400).json({ ok: false, error_code: 400, description });
    }
  });
}

function knowUser(body) {
  const from = body.from || (body.userId !== undefined ? { id: body.userId } : undefined);
  if (!from || !Number.isInteger(Number(from.id)) || Number(from.id) <= 0) throw bad('from.id (a positive integer) is required');
  const known = state.users.get(Number(from.id)) || {};
  const user = { id: Number(from.id), is_bot: false, first_name: from.first_name || known.first_name || `User ${from.id}` };
  for (const k of ['last_name', 'username', 'language_code']) if (from[k] || known[k]) user[k] = from[k] || known[k];
  state.users.set(user.id, user);
  return user;
}

function knowChat(body, user) {
  const raw = body.chat || (body.chatId !== undefined ? { id: body.chatId } : { id: user.id });
  const id = Number(raw.id);
  if (!Number.isInteger(id) || id === 0) throw bad('chat.id (a non-zero integer) is required');
  const chat = { ...chatFor(id), ...(state.chats.get(id) || {}) };
  if (raw.type) chat.type = raw.type;
  if (chat.type === 'private') {
    if (id !== user.id) throw bad('a private chat has the id of its user');
    Object.assign(chat, { first_name: user.first_name });
    if (user.username) chat.username = user.username;
    delete chat.title;
  } else if (raw.title) chat.title = raw.title;
  state.chats.set(id, chat);
  return chat;
}

function commandEntities(text) {
  const m = /^\/[^\s@]+(@\S+)?/.exec(text);
  if (!m) throw bad('a command starts with "/"');
  return [{ type: 'bot_command', offset: 0, length: m[0].length }];
}

function installUserRoutes(app, tg) {
  const userSend = async (token, body, command) => {
    if (typeof body.text !== 'string' || !body.text) throw bad('text is required');
    const from = knowUser(body);
    const chat = knowChat(body, from);
    const message = { botToken: token, from, chat, date: now(), text: body.text };
    let entities = body.entities;
    if (command && !entities) entities = commandEntities(body.text);
    if (entities) {
      if (!Array.isArray(entities)) throw bad('entities must be an array');
      message.entities = entities;
    }
    if (body.reply_to_message_id !== undefined) {
      const original = findAnyMessage(tg, token, chat.id, Number(body.reply_to_message_id));
      if (!original) throw bad('message to reply not found');
      message.reply_to_message = original;
    }
    const messageId = tg.messageId;
    const updateId = tg.updateId;
    if (command) await tg.addUserCommand(message);
    else await tg.addUserMessage(message);
    return { message_id: messageId, update_id: updateId };
  };
  userRoute(app, '/sendMessage', (token, body) => userSend(token, body, false));
  userRoute(app, '/sendCommand', (token, body) => userSend(token, body, true));

  userRoute(app, '/sendCallback', async (token, body) => {
    const from = knowUser(body);
    const chat = knowChat(body, from);
    const messageId = parseIntStrict(body.message_id, 'message_id');
    if (typeof body.data !== 'string' || !body.data) throw bad('data (the button callback_data) is required');
    const entry = findBotEntry(tg, chat.id, messageId);
    if (!entry || entry.botToken !== token) throw bad(`no bot message ${messageId} in chat ${chat.id}`);
    const message = apiMessage(entry);
    const buttons = ((message.reply_markup || {}).inline_keyboard || []).flat();
    if (!body.force && !buttons.some((b) => b.callback_data === body.data)) {
      const offered = buttons.map((b) => b.callback_data).filter((d) => d !== undefined);
      throw bad(`message ${messageId} has no button with callback_data ${JSON.stringify(body.data)} (it has ${JSON.stringify(offered)})`);
    }
    const callbackId = String(tg.callbackId);
    const updateId = tg.updateId;
    state.callbacks.set(callbackId, { chat_id: chat.id, user_id: from.id, answered: false });
    await tg.addUserCallback({ botToken: token, from, message, data: body.data, chat_instance: chatInstance(chat.id) });
    return { callback_query_id: callbackId, update_id: updateId };
  });

  userRoute(app, '/injectUpdate', (token, body) => {
    const update = body.update;
    if (!update || typeof update !== 'object' || Array.isArray(update)) throw bad('update (an object) is required');
    const raw = { ...update };
    let updateId = raw.update_id;
    if (updateId === undefined) {
      updateId = tg.updateId;
      tg.updateId += 1;
    } else {
      updateId = parseIntStrict(updateId, 'update_id');
      tg.updateId = Math.max(tg.updateId, updateId + 1);
    }
    delete raw.update_id;
    const type = Object.keys(raw)[0];
    if (Object.keys(raw).length !== 1) throw bad('an update has exactly one field besides update_id');
    const payload = { ...raw[type] };
    raw[type] = payload;
    if (['message', 'edited_message', 'channel_post', 'edited_channel_post', 'chat_member', 'my_chat_member', 'chat_join_request'].includes(type) && payload.date === undefined) payload.date = now();
    if (['message', 'channel_post'].includes(type) && payload.message_id === undefined) {
      payload.message_id = tg.messageId;
      tg.messageId += 1;
    }
    if (payload.from && payload.from.id) state.users.set(Number(payload.from.id), { is_bot: false, ...payload.from });
    if (payload.chat && payload.chat.id && !state.chats.has(Number(payload.chat.id))) state.chats.set(Number(payload.chat.id), payload.chat);
    if (type === 'inline_query') state.inlineQueries.set(String(payload.id), payload.from ? Number(payload.from.id) : null);
    if (type === 'callback_query') {
      const chatId = payload.message && payload.message.chat ? payload.message.chat.id : null;
      state.callbacks.set(String(payload.id), { chat_id: chatId, user_id: payload.from && payload.from.id, answered: false });
    }
    tg.storage.userMessages.push({ time: Date.now(), botToken: token, updateId, messageId: payload.message_id, isRead: false, raw });
    wakePoller(token);
    return { update_id: updateId };
  });

  userRoute(app, '/botActions', (token, body) => state.actions
    .filter((a) => a.token === token)
    .filter((a) => body.chatId === undefined || body.chatId === null || String(a.chat_id) === String(body.chatId))
    .filter((a) => !body.method || a.method === body.method)
    .map(({ token: _t, ...a }) => a));

  userRoute(app, '/chatMessages', (token, body) => {
    const chatId = String(parseIntStrict(body.chatId, 'chatId'));
    const fromBot = tg.storage.botMessages
      .filter((u) => u.botToken === token && String(u.message.chat_id) === chatId)
      .map((u) => ({ ...apiMessage(u), ...(u.message.reply_markup && !inlineOnly(u.message.reply_markup) ? { reply_keyboard: u.message.reply_markup } : {}) }));
    const fromUser = tg.storage.userMessages
      .filter((u) => u.botToken === token && !u.raw && !u.callbackQuery && u.message && String(u.message.chat.id) === chatId)
      .map(userMessage);
    const injected = tg.storage.userMessages
      .filter((u) => u.botToken === token && u.raw && u.raw.message && u.raw.message.chat && String(u.raw.message.chat.id) === chatId)
      .map((u) => ({ ...u.raw.message }));
    return [...fromBot, ...fromUser, ...injected].sort((a, b) => a.message_id - b.message_id);
  });

  userRoute(app, '/setChatMember', (token, body) => {
    const chatId = parseIntStrict(body.chatId, 'chatId');
    const member = body.member;
    if (!member || !member.status || !member.user || !member.user.id) throw bad('member {status, user} is required');
    state.members.set(`${chatId}|${Number(member.user.id)}`, member);
    return true;
  });

  userRoute(app, '/hold', (token, body) => {
    if (typeof body.method !== 'string' || !byLowerName.has(body.method.toLowerCase())) throw bad('method (a Bot API method) is required');
    if (!state.holding.has(token)) state.holding.set(token, new Set());
    state.holding.get(token).add(byLowerName.get(body.method.toLowerCase()));
    return true;
  });

  userRoute(app, '/release', (token) => {
    state.holding.delete(token);
    const mine = state.waiting.filter((w) => w.token === token);
    state.waiting = state.waiting.filter((w) => w.token !== token);
    for (const w of mine) w.fail();
    return mine.length;
  });

  userRoute(app, '/stats', (token) => ({
    held: state.held.get(token) || {},
    deliveries: Object.fromEntries([...state.deliveries]
      .filter(([key]) => key.startsWith(`${token}|`))
      .map(([key, n]) => [key.split('|')[1], n])),
    calls: state.calls.get(token) || {},
    pending_updates: tg.storage.userMessages.filter((u) => u.botToken === token && !u.confirmed).length,
    dropped_updates: state.dropped.filter((d) => d.token === token).map(({ token: _t, ...d }) => d),
    allowed_updates: state.allowedUpdates.has(token) ? [...state.allowedUpdates.get(token)] : null,
  }));

  app.post('/reset', (req, res) => {
    tg.storage.userMessages = [];
    tg.storage.botMessages = [];
    for (const key of ['chats', 'users', 'members', 'callbacks', 'inlineQueries', 'files', 'commands', 'menuButtons', 'allowedUpdates', 'calls', 'holding', 'held', 'deliveries']) state[key].clear();
    state.actions = [];
    state.dropped = [];
    res.json({ ok: true, result: true });
  });
}

// ---------------------------------------------------------------------------------------------
// Our routes go in front of telegram-test-api's (its constructor installs `routes` in order).
libRoutes.routes.unshift((app, tg) => {
  installUserRoutes(app, tg);
  botApiRoute(app, tg);
});

async function main() {
  const portArg = process.argv[2] ?? process.env.PORT ?? '0';
  const port = Number(portArg);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`emulator: bad port ${JSON.stringify(portArg)}\n`);
    process.exit(2);
  }
  // storeTimeout: keep messages for a day (the library drops them after 60 s by default).
  const tg = new TelegramServer({ host: HOST, port: port || 9000, storeTimeout: 24 * 3600 });
  tg.config.port = port; // the library turns 0 into 9000; 0 means "any free port"
  patchInstance(tg);
  await tg.start();
  const actualPort = tg.server.address().port;

  let stopping = false;
  const stop = async (why) => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(0), 3000).unref();
    for (const poller of [...state.pollers.values()]) poller.finish(); // let long polls end now
    try {
      await tg.stop();
    } catch (error) {
      process.stderr.write(`emulator: stop after ${why} failed: ${error}\n`);
    }
    process.exit(0);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  if (process.env.EMULATOR_EXIT_ON_STDIN_EOF === '1') {
    process.stdin.on('end', () => stop('stdin EOF'));
    process.stdin.on('error', () => stop('stdin error'));
    process.stdin.resume();
  }
  process.on('unhandledRejection', (error) => {
    process.stderr.write(`emulator: unhandled rejection: ${error && error.stack}\n`);
  });
  process.stdout.write(`READY ${actualPort}\n`);
}

main().catch((error) => {
  process.stderr.write(`emulator: failed to start: ${error && error.stack}\n`);
  process.exit(1);
});
