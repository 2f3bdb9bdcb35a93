// exit: 14
// A program that declares the intrinsics itself (@external("kernel", ...)) instead of importing
// kernel-ts/arch: its own serial output loop and exit.
@external("kernel", "outb") declare function outb(port: u32, v: u32): void;
@external("kernel", "inb") declare function inb(port: u32): u32;
@external("kernel", "exit") declare function exit(code: u32): void;

function out(c: u32): void {
  while ((inb(0x3fd) & 0x20) == 0) {}
  outb(0x3f8, c);
}

function print(s: string): void {
  for (let i = 0; i < s.length; i++) out(s.charCodeAt(i));
}

export function kmain(): void {
  print("standalone program\n");
  let n: u32 = 12345 + load<u32>(0x500000); // memory starts zeroed
  let div: u32 = 10000;
  while (div > 0) { out(48 + (n / div) % 10); div /= 10; }
  out(10);
  exit(n % 19);
}
