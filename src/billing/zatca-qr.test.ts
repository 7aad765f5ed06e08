import { describe, expect, it } from "vitest";
import { decodeZatcaQr, encodeZatcaQr, sarAmount, ZatcaQrError, zatcaTimestamp } from "./zatca-qr";

const SAMPLE = {
  sellerName: "Bobs Records",
  vatNumber: "310122393500003",
  timestamp: "2022-04-25T15:30:00Z",
  totalWithVat: "1000.00",
  vatTotal: "150.00",
};

const bytesOf = (payload: string) => Uint8Array.from(atob(payload), (ch) => ch.charCodeAt(0));

describe("ZATCA Phase 1 QR", () => {
  it("matches ZATCA's published sample byte for byte, and decodes back to its inputs", () => {
    const payload = encodeZatcaQr(SAMPLE);
    expect(payload).toBe(
      "AQxCb2JzIFJlY29yZHMCDzMxMDEyMjM5MzUwMDAwMwMUMjAyMi0wNC0yNVQxNTozMDowMFoEBzEwMDAuMDAFBjE1MC4wMA==",
    );
    expect(decodeZatcaQr(payload)).toEqual(SAMPLE);
  });

  it("counts an Arabic seller name in UTF-8 bytes, not characters, and round-trips it", () => {
    const sellerName = "شركة المبيعات";
    expect(sellerName.length).toBe(13);
    const payload = encodeZatcaQr({ ...SAMPLE, sellerName });
    const bytes = bytesOf(payload);
    expect([bytes[0], bytes[1]]).toEqual([1, 25]);
    // Tag 2 follows the 25 bytes of the name.
    expect([bytes[27], bytes[28]]).toEqual([2, 15]);
    expect(bytes.length).toBe(2 + 25 + 2 + 15 + 2 + 20 + 2 + 7 + 2 + 6);
    expect(decodeZatcaQr(payload)).toEqual({ ...SAMPLE, sellerName });
  });

  it("accepts a 255-byte value and refuses 256 bytes with the tag named", () => {
    expect(() => encodeZatcaQr({ ...SAMPLE, sellerName: "a".repeat(255) })).not.toThrow();
    // 128 Arabic letters: 128 characters, 256 bytes.
    expect(() => encodeZatcaQr({ ...SAMPLE, sellerName: "ش".repeat(128) })).toThrow(
      new ZatcaQrError("ZATCA QR tag 1 (sellerName) is 256 UTF-8 bytes; at most 255 fit"),
    );
  });

  it("refuses malformed payloads: not Base64, truncated, or missing a tag", () => {
    expect(() => decodeZatcaQr("not base64!")).toThrow(ZatcaQrError);
    const bytes = bytesOf(encodeZatcaQr(SAMPLE));
    const truncated = btoa(String.fromCharCode(...bytes.subarray(0, bytes.length - 2)));
    expect(() => decodeZatcaQr(truncated)).toThrow("truncated");
    const fourTags = btoa(String.fromCharCode(...bytes.subarray(0, bytes.length - 8)));
    expect(() => decodeZatcaQr(fourTags)).toThrow("lacks tag 5");
  });

  it("writes amounts as SAR with two decimals and timestamps in whole UTC seconds", () => {
    expect([sarAmount(0), sarAmount(5), sarAmount(115_000), sarAmount(113_850), sarAmount(-1_505)]).toEqual([
      "0.00",
      "0.05",
      "1150.00",
      "1138.50",
      "-15.05",
    ]);
    expect(() => sarAmount(1.5)).toThrow(ZatcaQrError);
    expect(zatcaTimestamp(new Date("2022-04-25T15:30:00.987Z"))).toBe("2022-04-25T15:30:00Z");
  });
});
