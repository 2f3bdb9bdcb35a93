// exit: 0
// A large dense switch (40 cases, a 40-entry BRTABLE) whose cases return constants, indexed by
// every case value and by values outside the range on both sides.
import { exit } from "../../kernel-ts/arch";
import { putc, puti } from "../../kernel-ts/dev/serial";

function big(k: i32): i32 {
  switch (k) {
    case 0: return -15110;
    case 1: return -60456;
    case 2: return 3500;
    case 3: return 70638;
    case 4: return -87343;
    case 5: return -81012;
    case 6: return 40478;
    case 7: return -75325;
    case 8: return -4137;
    case 9: return 52774;
    case 10: return -84796;
    case 11: return 33021;
    case 12: return -43719;
    case 13: return -90171;
    case 14: return -77470;
    case 15: return 13677;
    case 16: return 9621;
    case 17: return -81688;
    case 18: return -36912;
    case 19: return -76221;
    case 20: return 44453;
    case 21: return 11285;
    case 22: return -84505;
    case 23: return 48230;
    case 24: return -67547;
    case 25: return -41480;
    case 26: return 65314;
    case 27: return 64477;
    case 28: return 52829;
    case 29: return -83784;
    case 30: return 51284;
    case 31: return 53496;
    case 32: return 3987;
    case 33: return -87001;
    case 34: return -42045;
    case 35: return -87789;
    case 36: return 45926;
    case 37: return -65090;
    case 38: return -24081;
    case 39: return 9874;
    default: return 7777777;
  }
}

export function kmain(): void {
  const base = load<i32>(0x500000); // memory starts zeroed
  let sum = 0;
  for (let k = base - 3; k < 44; k++) {
    const v = big(k);
    puti(v); putc(k % 8 == 7 ? 10 : 32);
    sum += v;
  }
  putc(10);
  puti(sum); putc(32); puti(big(base - 2147483648)); putc(10);
  exit(0);
}
