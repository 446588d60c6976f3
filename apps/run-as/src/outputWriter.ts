import { writeSync } from 'node:fs';

/**
 * Writes the program's output to this process's stdout or stderr with write(2) on the descriptor, as sudo's
 * child would: process.stdout on a pipe or terminal is a net.Socket or tty.WriteStream, and loading those
 * (node:net, node:tty, the streams) costs a call of the CLI more CPU than relaying a megabyte. A descriptor
 * that cannot take it that way (EAGAIN: someone else made it non-blocking; EPIPE: the reader is gone) gets this
 * chunk's rest and every later chunk through the stream, in order, with the stream's own handling.
 */
export class OutputWriter {
  private viaStream = false;
  private readonly fd: 1 | 2;

  constructor(fd: 1 | 2) {
    this.fd = fd;
  }

  write(data: Buffer): void {
    let sent = 0;
    if (!this.viaStream) {
      try {
        while (sent < data.length) sent += writeSync(this.fd, data, sent);
        return;
      } catch {
        this.viaStream = true;
      }
    }
    (this.fd === 1 ? process.stdout : process.stderr).write(data.subarray(sent));
  }
}
