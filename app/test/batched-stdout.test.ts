import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchedWriter } from '../src/logging/batched-stdout.js';

/** Waits until `check` holds, at most `ms`. */
async function eventually(check: () => boolean, ms = 5000): Promise<void> {
  const until = performance.now() + ms;
  while (!check()) {
    if (performance.now() > until) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Log-like lines of mixed width: ASCII, two-, three- and four-byte UTF-8. */
function lines(count: number): string[] {
  const texts = ['plain', 'café', 'price €12', 'emoji 😀 here'];
  return Array.from({ length: count }, (_, index) => `{"n":${index},"event":"${texts[index % texts.length]!.repeat(1 + (index % 5))}"}\n`);
}

/**
 * Runs `use` with the write end of a pipe whose reader starts reading only after 300 ms, so the pipe (64 KiB)
 * fills long before; `received` is everything the reader has passed on so far. The reader is always killed.
 */
async function withStalledReader(use: (pipeFd: number, received: () => Buffer) => Promise<void>): Promise<void> {
  const reader = spawn(process.execPath, ['-e', 'setTimeout(() => process.stdin.pipe(process.stdout), 300)'], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    const chunks: Buffer[] = [];
    reader.stdout!.on('data', (chunk: Buffer) => chunks.push(chunk));
    const pipeFd = (reader.stdin as unknown as { _handle: { fd: number } })._handle.fd;
    await use(pipeFd, () => Buffer.concat(chunks));
  } finally {
    reader.kill('SIGKILL');
  }
}

describe('the batched log writer (stdout in production)', () => {
  let dir: string;
  let fd: number;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'batched-'));
    file = join(dir, 'out.log');
    fd = openSync(file, 'w');
  });
  afterEach(() => {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  });
  const written = () => readFileSync(file, 'utf8');

  it('writes every line, in order and byte for byte, across many batches', async () => {
    const writer = new BatchedWriter(fd, 1024, 20, 4096);
    const text = lines(500);
    for (const line of text) writer.write(line);
    await eventually(() => written().length >= text.join('').length);
    assert.equal(written(), text.join(''));
  });

  it('writes a line longer than its buffer whole, in its place', async () => {
    const writer = new BatchedWriter(fd, 1024, 20, 4096);
    const long = `{"event":"${'é'.repeat(5000)}"}\n`;
    const text = ['{"n":1}\n', long, '{"n":2}\n'];
    for (const line of text) writer.write(line);
    await eventually(() => written() === text.join(''));
  });

  it('holds a quiet service\'s lines for at most flushMs, and flushSync writes them at once', async () => {
    const writer = new BatchedWriter(fd, 1024 * 1024, 30);
    writer.write('{"n":1}\n');
    assert.equal(written(), '', 'below minBytes, nothing is written at once');
    await eventually(() => written() === '{"n":1}\n', 2000);

    const held = new BatchedWriter(fd, 1024 * 1024, 60_000);
    held.write('{"n":2}\n');
    held.write('{"n":3}\n');
    held.flushSync();
    assert.equal(written(), '{"n":1}\n{"n":2}\n{"n":3}\n');
  });

  it('loses nothing when the reader stalls and the pipe fills (EAGAIN and partial writes)', async () => {
    await withStalledReader(async (pipeFd, received) => {
      const writer = new BatchedWriter(pipeFd, 16 * 1024, 20);
      const text = lines(20_000);
      for (const line of text) writer.write(line);
      const expected = text.join('');
      await eventually(() => received().length >= Buffer.byteLength(expected), 15_000);
      assert.equal(received().toString('utf8'), expected);
    });
  });

  it('drops and counts lines beyond maxQueuedBytes while stdout stalls, says how many once it catches up, and keeps the rest in order', async () => {
    await withStalledReader(async (pipeFd, received) => {
      const maxQueuedBytes = 64 * 1024;
      const writer = new BatchedWriter(pipeFd, 1024, 20, 4096, maxQueuedBytes);
      const notices: number[] = [];
      writer.onDropped = (count) => notices.push(count);
      const text = lines(20_000);
      // No write can finish during this loop: everything beyond maxQueuedBytes must be dropped, not queued.
      for (const line of text) writer.write(line);
      assert.ok(writer.droppedLines > 0, 'lines beyond the bound are dropped');
      const kept = text.slice(0, text.length - writer.droppedLines).join('');
      assert.ok(Buffer.byteLength(kept) <= maxQueuedBytes + 4096, `at most the bound is held (${Buffer.byteLength(kept)} bytes)`);
      await eventually(() => notices.length > 0, 15_000);
      assert.deepEqual(notices, [writer.droppedLines], 'one notice, with the count');
      writer.write('{"after":true}\n');
      const expected = `${kept}{"after":true}\n`;
      await eventually(() => received().length >= Buffer.byteLength(expected), 15_000);
      assert.equal(received().toString('utf8'), expected);
    });
  });
});
