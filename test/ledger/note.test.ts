import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { leafHash } from '../../src/ledger/log/merkle.ts';
import {
  ed25519KeyId,
  ed25519PublicKeyBytes,
  ed25519Signer,
  formatCheckpoint,
  openNote,
  parseCheckpoint,
  parseNote,
  parseVerifierKey,
  signNote,
  verifierKey,
  verifyNote,
  type NoteVerifier,
} from '../../src/ledger/log/note.ts';
// Sources: golang/mod sumdb/note/note_test.go, google/trillian-examples formats/log/note_test.go,
// golang/mod sumdb/tlog/note_test.go, C2SP/C2SP signed-note.md and tlog-checkpoint.md (vectors/README.md).
import v from './vectors/signed-note.json' with { type: 'json' };

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const sumdb = v.sumdbNote;

/** Splits `a+b+rest` at its first two '+' only: the base64 key may contain '+' itself. */
function splitKey(key: string): [string, string, string] {
  const [first, second, ...rest] = key.split('+');
  return [first!, second!, rest.join('+')];
}

/** The Ed25519 private key inside a golang.org/x/mod/sumdb/note signer key (`PRIVATE+KEY+name+id+base64(0x01 ‖ seed)`). */
function keyFromSkey(skey: string): crypto.KeyObject {
  const seed = Buffer.from(splitKey(splitKey(skey)[2])[2], 'base64').subarray(1);
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  return crypto.createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
}

function freshKey(name: string) {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
  return { signer: ed25519Signer(name, privateKey), vkey: verifierKey(name, ed25519PublicKeyBytes(publicKey)) };
}

describe('signed-note keys', () => {
  it('computes key IDs and verifier keys as golang.org/x/mod/sumdb/note does', () => {
    for (const vkey of [sumdb.peterVkey, sumdb.enochVkey, v.sumGolangOrg.vkey]) {
      const [name, id, key] = splitKey(vkey);
      const pub = Buffer.from(key, 'base64').subarray(1);
      expect(hex(ed25519KeyId(name, pub))).toBe(id);
      expect(verifierKey(name, pub)).toBe(vkey);
      const parsed = parseVerifierKey(vkey);
      expect([parsed.name, hex(parsed.keyId)]).toEqual([name, id]);
    }
    const signer = ed25519Signer('PeterNeumann', keyFromSkey(sumdb.peterSkey));
    expect(hex(signer.keyId)).toBe('c74f20a3');
  });

  it('refuses every mangling of a verifier key (every proper substring, every character bumped)', () => {
    const key = sumdb.peterVkey;
    for (let i = 0; i <= key.length; i++) {
      for (let j = i + 1; j <= key.length; j++) if (i !== 0 || j !== key.length) expect(() => parseVerifierKey(key.slice(i, j)), key.slice(i, j)).toThrow();
    }
    for (let i = 0; i < key.length; i++) {
      const bumped = key.slice(0, i) + String.fromCharCode(key.charCodeAt(i) + 1) + key.slice(i + 1);
      expect(() => parseVerifierKey(bumped), bumped).toThrow();
    }
    for (const bad of sumdb.badVkeys) expect(() => parseVerifierKey(bad)).toThrow(); // wrong length, unknown algorithm
    expect(() => verifierKey('a b', new Uint8Array(32))).toThrow();
    expect(() => verifierKey('a+b', new Uint8Array(32))).toThrow();
    expect(() => verifierKey('ok', new Uint8Array(31))).toThrow();
  });
});

describe('signed notes', () => {
  const peter = () => ed25519Signer('PeterNeumann', keyFromSkey(sumdb.peterSkey));

  it('signs byte for byte like golang.org/x/mod/sumdb/note (Ed25519 is deterministic)', async () => {
    expect(await signNote(sumdb.text, peter())).toBe(sumdb.signed);
    expect(sumdb.signed).toBe(`${sumdb.text}\n${sumdb.peterSig}`);
  });

  it('refuses to sign malformed text or with a bad signer', async () => {
    await expect(signNote('abc', peter())).rejects.toThrow(/malformed/);
    await expect(signNote('', peter())).rejects.toThrow(/malformed/);
    await expect(signNote('tab\there\n', peter())).rejects.toThrow(/malformed/);
    await expect(signNote(sumdb.text)).rejects.toThrow(/signer/);
    await expect(signNote(sumdb.text, { ...peter(), name: 'a+b' })).rejects.toThrow(/invalid signer/);
    await expect(signNote(sumdb.text, { ...peter(), keyId: new Uint8Array(3) })).rejects.toThrow(/invalid signer/);
  });

  it('verifies known keys, ignores unknown ones, and needs at least one', () => {
    const note = `${sumdb.text}\n${sumdb.peterSig}${sumdb.enochSig}`;
    const one = openNote(note, [sumdb.peterVkey]);
    expect(one.text).toBe(sumdb.text);
    expect(one.verified.map((s) => `${s.name}+${hex(s.keyId)}`)).toEqual(['PeterNeumann+c74f20a3']);
    expect(one.unverified.map((s) => `${s.name}+${hex(s.keyId)}`)).toEqual(['EnochRoot+af0cfe78']);
    const both = openNote(note, [sumdb.peterVkey, sumdb.enochVkey]);
    expect(both.verified.map((s) => s.name)).toEqual(['PeterNeumann', 'EnochRoot']);
    expect(both.unverified).toEqual([]);
    expect(() => openNote(note, [])).toThrow('note has no verifiable signatures');
    expect(openNote(note, [sumdb.enochVkey, sumdb.enochVkey]).verified).toHaveLength(1); // the same key twice is harmless
  });

  it('rejects a note whose known-key signature fails, and ambiguous keys', () => {
    const broken = `${sumdb.text}\n${sumdb.peterSig.slice(0, 60)}ABCD${sumdb.peterSig.slice(60)}`;
    expect(() => openNote(broken, [sumdb.peterVkey])).toThrow('invalid signature for key PeterNeumann+c74f20a3');
    const tampered = sumdb.signed.replace('cryptography', 'Cryptography');
    expect(() => openNote(tampered, [sumdb.peterVkey])).toThrow('invalid signature for key PeterNeumann+c74f20a3');
    const a = parseVerifierKey(sumdb.peterVkey);
    const b: NoteVerifier = { ...a, verify: () => true };
    expect(() => openNote(sumdb.signed, [a, b])).toThrow('ambiguous key PeterNeumann+c74f20a3');
  });

  it('keeps one entry per verified key and per distinct unknown signature', () => {
    const enochABCD = `${sumdb.enochSig.slice(0, 60)}ABCD${sumdb.enochSig.slice(60)}`;
    const note = `${sumdb.text}\n${sumdb.peterSig}${sumdb.peterSig}${sumdb.enochSig}${sumdb.enochSig}${enochABCD}`;
    const opened = openNote(note, [sumdb.peterVkey]);
    expect(opened.verified).toHaveLength(1);
    expect(opened.unverified).toHaveLength(2);
  });

  it('rejects malformed notes', () => {
    const { text, peterSig } = sumdb;
    const bad: (string | Uint8Array)[] = [
      text,
      `${text}\n`,
      `${text}\n${peterSig.slice(0, -1)}`,
      `\x01${text}\n${peterSig}`,
      Buffer.concat([Buffer.from([0xff]), Buffer.from(`${text}\n${peterSig}`)]),
      `${text}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`,
      `${text}\n${peterSig}Unexpected line.\n`,
      `${text}\n${peterSig.repeat(101)}`,
      `${text}\n- PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`, // hyphen, not em dash
      `${text}\n—  PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`, // two spaces
      `${text}\n— PeterNeumann  x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`,
      `${text}\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM\n`, // no padding
      `${text}\n— PeterNeumann AAAA\n`, // shorter than key ID + 1 byte
      `${text.replace('\n', '\r\n')}\n${peterSig}`,
    ];
    for (const note of bad) expect(() => openNote(note, [sumdb.peterVkey]), String(note)).toThrow(/malformed note/);
    expect(openNote(`${text}\n${peterSig.repeat(100)}`, [sumdb.peterVkey]).verified).toHaveLength(1);
  });

  it('splits the C2SP signed-note example at its last blank line', () => {
    const parsed = parseNote(v.c2spExamples.signedNote);
    expect(parsed.text).toBe('Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n');
    expect(parsed.signatures.map((s) => s.name)).toEqual(['quasimodo.example/salvatore']);
    expect(() => openNote(v.c2spExamples.signedNote, [sumdb.peterVkey])).toThrow('note has no verifiable signatures');
  });
});

describe('checkpoints', () => {
  it('formats the checkpoint body like golang.org/x/mod/sumdb/tlog', () => {
    const f = v.formatTree;
    const body = formatCheckpoint({ origin: f.origin, size: f.size, rootHash: leafHash(Buffer.from(f.leaf)) });
    expect(body).toBe(f.golden);
    expect(parseCheckpoint(body)).toEqual({ origin: f.origin, size: f.size, rootHash: leafHash(Buffer.from(f.leaf)) });
  });

  it('parses extension lines and refuses malformed bodies', () => {
    const f = v.formatTree;
    expect(parseCheckpoint(`${f.golden}JOE\n`).extensions).toEqual(['JOE']);
    const root = 'TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=';
    for (const bad of [
      `o\n0xabcdef\n${root}\n`,
      `o\n0123\n${root}\n`,
      `o\n-1\n${root}\n`,
      `o\n${2 ** 53}\n${root}\n`,
      `o\n12\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBTOOBIG=\n`,
      `o\n12\n${root.slice(0, -4)}\n`,
      `o\n12\n${root}`,
      `\n12\n${root}\n`,
      `o\n12\n`,
      `o\n12\n${root}\n\nJOE\n`,
    ]) {
      expect(() => parseCheckpoint(bad), bad).toThrow(/malformed note/);
    }
    expect(() => formatCheckpoint({ origin: 'a\nb', size: 1, rootHash: new Uint8Array(32) })).toThrow();
    expect(() => formatCheckpoint({ origin: 'a', size: -1, rootHash: new Uint8Array(32) })).toThrow();
    expect(() => formatCheckpoint({ origin: 'a', size: 1, rootHash: new Uint8Array(31) })).toThrow();
    expect(() => formatCheckpoint({ origin: 'a', size: 1, rootHash: new Uint8Array(32), extensions: [''] })).toThrow();
  });

  it('verifies a real sum.golang.org signed tree head', () => {
    const s = v.sumGolangOrg;
    const verified = verifyNote(s.note, [s.vkey]);
    expect(verified.checkpoint).toEqual({ origin: s.origin, size: s.size, rootHash: Buffer.from(s.rootHash, 'base64') });
    expect(verified.verified.map((sig) => sig.name)).toEqual(['sum.golang.org']);
    expect(verifyNote(s.note, [s.vkey], { origin: s.origin }).checkpoint.size).toBe(s.size);
    expect(() => verifyNote(s.note, [s.vkey], { origin: 'Go rocks but I might have the wrong ID' })).toThrow(/not "Go rocks/);
    expect(() => verifyNote(s.note.replace(String(s.size), String(s.size + 1)), [s.vkey])).toThrow(/invalid signature/);
  });

  it('reads the C2SP tlog-checkpoint example body', () => {
    const { text } = parseNote(v.c2spExamples.checkpoint);
    expect(parseCheckpoint(text)).toEqual({
      origin: 'example.com/behind-the-sofa',
      size: 20852163,
      rootHash: Buffer.from('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=', 'base64'),
    });
  });

  it('signs and verifies a checkpoint with a fresh Ed25519 log key and a witness cosigner', async () => {
    const origin = 'lienthong.example.vn/ledger/000.00.00.H01';
    const log = freshKey(origin);
    const witness = freshKey('witness.example.vn');
    const rootHash = leafHash(Buffer.from('root'));
    const body = formatCheckpoint({ origin, size: 1234, rootHash });
    const note = await signNote(body, log.signer, witness.signer);
    expect(note.startsWith(`${body}\n\u2014 ${origin} `)).toBe(true);
    expect(note.split('\n')).toHaveLength(7);

    const byLog = verifyNote(note, [log.vkey], { origin });
    expect(byLog.checkpoint).toEqual({ origin, size: 1234, rootHash });
    expect(byLog.verified.map((s) => s.name)).toEqual([origin]);
    expect(byLog.unverified.map((s) => s.name)).toEqual(['witness.example.vn']);
    expect(verifyNote(note, [log.vkey, witness.vkey]).verified).toHaveLength(2);
    expect(verifyNote(Buffer.from(note, 'utf8'), [log.vkey]).checkpoint.size).toBe(1234);

    const impostor = freshKey(origin); // same name, other key: another key ID, so simply unknown
    expect(() => verifyNote(note, [impostor.vkey])).toThrow('note has no verifiable signatures');
    expect(() => verifyNote(note.replace('\n1234\n', '\n1235\n'), [log.vkey])).toThrow(/invalid signature/);
    const sigLine = note.split('\n')[4]!;
    const forged = sigLine.slice(0, -6) + (sigLine.at(-6) === 'A' ? 'B' : 'A') + sigLine.slice(-5);
    expect(() => verifyNote(note.replace(sigLine, forged), [log.vkey])).toThrow(/invalid signature|malformed/);
    await expect(signNote('not a checkpoint\n', log.signer).then((n) => verifyNote(n, [log.vkey]))).rejects.toThrow(/malformed note/);
  });
});
