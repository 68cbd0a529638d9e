// Deterministic, realistic test mail for benchmarks: plain and HTML text (7bit and
// quoted-printable), multipart/alternative, and multipart/mixed with base64 attachments.
import { createHash } from 'node:crypto';

export function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

const WORDS =
  'the of and to in is you that it he was for on are as with his they at be this have from or one had by word but not what all were we when your can said there use an each which she do how their if will up other about out many then them these so some her would make like him into time has look two more write go see number no way could people my than first water been call who oil its now find long down day did get come made may part'.split(
    ' ',
  );
const ACCENTED = ['café', 'naïve', 'über', 'señor', 'façade', 'Zürich', 'déjà', 'smörgåsbord'];

function paragraph(r, words) {
  const out = [];
  let line = '';
  for (let i = 0; i < words; i++) {
    const w =
      r() < 0.03 ? ACCENTED[Math.floor(r() * ACCENTED.length)] : WORDS[Math.floor(r() * WORDS.length)];
    if (line.length + w.length + 1 > 72) {
      out.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) out.push(line);
  return out.join('\r\n');
}

function qp(text) {
  const bytes = Buffer.from(text, 'utf8');
  let out = '';
  let col = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 13 && bytes[i + 1] === 10) {
      out += '\r\n';
      col = 0;
      i++;
      continue;
    }
    const piece =
      (b >= 33 && b <= 126 && b !== 61) || b === 32
        ? String.fromCharCode(b)
        : `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
    if (col + piece.length > 75) {
      out += '=\r\n';
      col = 0;
    }
    out += piece;
    col += piece.length;
  }
  return out;
}

function base64Lines(buf) {
  return buf.toString('base64').replace(/.{76}/g, '$&\r\n');
}

function binary(r, size) {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(String(r())).digest();
  for (let o = 0; o < size; o += 32) {
    block.copy(out, o);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

function header(r, i, contentType, extra = '') {
  return [
    `Date: Mon, ${1 + (i % 28)} Jan 2024 10:${String(i % 60).padStart(2, '0')}:00 +0100`,
    `From: =?utf-8?q?Ren=C3=A9e_Sender?= <sender${i}@example.org>`,
    `To: Recipient <rcpt${i % 7}@example.net>, other@example.com`,
    `Subject: =?utf-8?b?${Buffer.from(`Réunion n°${i} — ${WORDS[i % WORDS.length]}`).toString('base64')}?=`,
    `Message-ID: <${i}.${Math.floor(r() * 1e9)}@example.org>`,
    'MIME-Version: 1.0',
    `Content-Type: ${contentType}`,
    extra,
  ]
    .filter(Boolean)
    .join('\r\n');
}

/** One message; kind cycles through plain, alternative, mixed with attachments. */
export function message(i, r) {
  const kind = i % 10 < 4 ? 'plain' : i % 10 < 7 ? 'alternative' : 'mixed';
  const text = Array.from({ length: 2 + Math.floor(r() * 8) }, () =>
    paragraph(r, 40 + Math.floor(r() * 120)),
  ).join('\r\n\r\n');
  if (kind === 'plain') {
    return Buffer.from(
      `${header(r, i, 'text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable')}\r\n\r\n${qp(text)}\r\n`,
    );
  }
  const html = `<html><body>${text
    .split('\r\n\r\n')
    .map((p) => `<p>${p}</p>`)
    .join('\r\n')}</body></html>`;
  const alt = `--alt${i}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${qp(text)}\r\n--alt${i}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${qp(html)}\r\n--alt${i}--\r\n`;
  if (kind === 'alternative') {
    return Buffer.from(`${header(r, i, `multipart/alternative; boundary="alt${i}"`)}\r\n\r\n${alt}`);
  }
  let body = `This is a multi-part message in MIME format.\r\n--mix${i}\r\nContent-Type: multipart/alternative; boundary="alt${i}"\r\n\r\n${alt}`;
  const n = 1 + Math.floor(r() * 3);
  for (let k = 0; k < n; k++) {
    const size = 10_000 + Math.floor(r() * 290_000);
    body += `\r\n--mix${i}\r\nContent-Type: application/pdf; name="report-${k}.pdf"\r\nContent-Disposition: attachment; filename="report-${k}.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n${base64Lines(binary(r, size))}`;
  }
  body += `\r\n--mix${i}--\r\n`;
  return Buffer.from(`${header(r, i, `multipart/mixed; boundary="mix${i}"`)}\r\n\r\n${body}`);
}

export function corpus(count, seed = 1) {
  const r = rng(seed);
  return Array.from({ length: count }, (_, i) => message(i, r));
}

/** A big message as a stream of chunks: text, then attachments of `attachmentMB` each, up to `totalMB`. */
export function* bigMessage(totalMB, attachmentMB = 50, seed = 7) {
  const r = rng(seed);
  yield Buffer.from(
    `${header(r, 0, 'multipart/mixed; boundary="big"')}\r\n\r\n--big\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${paragraph(r, 300)}\r\n`,
  );
  let written = 0;
  let k = 0;
  const block = binary(r, 57 * 1024); // base64 of 57 bytes is one 76-char line
  const blockB64 = Buffer.from(base64Lines(block));
  while (written < totalMB * 1024 * 1024) {
    yield Buffer.from(
      `--big\r\nContent-Type: application/octet-stream; name="blob-${k}.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\n`,
    );
    let att = 0;
    while (att < attachmentMB * 1024 * 1024) {
      yield blockB64;
      att += blockB64.length;
    }
    written += att;
    k++;
  }
  yield Buffer.from('--big--\r\n');
}
