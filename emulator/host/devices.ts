// The simulated PC of the host runners (`kt run`, with or without --kbc): COM1 and the control
// registers, nothing else. Units: I/O port numbers and byte values.
//
//   port 0x3F8 (COM1 data)       write → serial output, byte for byte; read → 0 (no input)
//   port 0x3FD (COM1 line status) read → 0x60 (transmitter always ready)
//   any other port               read → all ones; writes are ignored
//   CR0/CR2/CR3                  plain state (CR0 starts as 0x11: protected mode, as after Multiboot)

import type { Devices } from "../../toolchain/kbc/interp.ts";

export const COM1 = 0x3f8;

export class HostDevices implements Devices {
  private cr = [0x11, 0, 0, 0];
  interrupts = false;
  private buf: number[] = [];

  constructor(private onSerial: (bytes: Uint8Array) => void) {}

  out(port: number, value: number): void {
    if (port === COM1) {
      this.buf.push(value & 0xff);
      if (this.buf.length >= 4096) this.flush();
    }
  }

  in(port: number, size: 1 | 2 | 4): number {
    if (port === COM1 + 5) return 0x60;
    if (port === COM1) return 0;
    return size === 1 ? 0xff : size === 2 ? 0xffff : -1;
  }

  readCr(n: 0 | 2 | 3): number { return this.cr[n] | 0; }
  writeCr(n: 0 | 3, value: number): void { this.cr[n] = value | 0; }
  invlpg(): void { /* no TLB on the host */ }
  setInterrupts(enabled: boolean): void { this.interrupts = enabled; }
  hlt(): void { /* no interrupts on the host: returns at once */ }
  irqCount(): number { return 0; }
  /** Benchmark markers seen: id, kbc instructions executed so far, time (ms). */
  marks: { id: number; executed: number; ms: number }[] = [];
  mark(id: number, executed: number): void { this.marks.push({ id, executed, ms: performance.now() }); }

  /** Set by the runner once it has written the boot information into memory (bootinfo.ts). */
  boot = { info: 0, imageEnd: 0, layout: 0 };
  bootInfo(): number { return this.boot.info; }
  imageEnd(): number { return this.boot.imageEnd; }
  imageLayout(): number { return this.boot.layout; }

  /** Hands buffered serial output to the sink. */
  flush(): void {
    if (this.buf.length) { this.onSerial(Uint8Array.from(this.buf)); this.buf = []; }
  }
}
