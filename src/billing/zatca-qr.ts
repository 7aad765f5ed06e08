// The QR code of a ZATCA Phase 1 e-invoice: the Base64 of five TLV records (tag byte, length byte,
// UTF-8 value). Lengths count UTF-8 bytes, not characters: an Arabic letter is two bytes, so
// `string.length` would write a wrong length and scanners would reject the code.

export interface ZatcaQrFields {
  /** Tag 1. */
  sellerName: string;
  /** Tag 2: the seller's VAT registration number (15 digits). */
  vatNumber: string;
  /** Tag 3: ISO-8601 UTC with seconds, `2022-04-25T15:30:00Z`. */
  timestamp: string;
  /** Tag 4: the invoice total with VAT, `1000.00`. */
  totalWithVat: string;
  /** Tag 5: the VAT total, `150.00`. */
  vatTotal: string;
}

const TAGS = ["sellerName", "vatNumber", "timestamp", "totalWithVat", "vatTotal"] as const;

/** A length is one byte, so no value may be longer than this many UTF-8 bytes. */
const MAX_VALUE_BYTES = 255;

export class ZatcaQrError extends Error {
  override name = "ZatcaQrError";
}

/** Halalas as the decimal SAR string the QR carries: 115000 → "1150.00". */
export const sarAmount = (halalas: number): string => {
  if (!Number.isSafeInteger(halalas)) throw new ZatcaQrError(`amount ${halalas} is not whole halalas`);
  const sign = halalas < 0 ? "-" : "";
  const abs = Math.abs(halalas);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
};

/** The timestamp form ZATCA's sample uses: UTC, whole seconds, `Z`. */
export const zatcaTimestamp = (at: Date): string => at.toISOString().replace(/\.\d{3}Z$/, "Z");

export function encodeZatcaQr(fields: ZatcaQrFields): string {
  const encoder = new TextEncoder();
  const parts = TAGS.map((name, index) => {
    const value = encoder.encode(fields[name]);
    if (value.length > MAX_VALUE_BYTES) {
      throw new ZatcaQrError(
        `ZATCA QR tag ${index + 1} (${name}) is ${value.length} UTF-8 bytes; at most ${MAX_VALUE_BYTES} fit`,
      );
    }
    return [index + 1, value.length, ...value];
  });
  return btoa(String.fromCharCode(...parts.flat()));
}

/** Reads a Phase 1 payload back (tags 1–5); throws on anything malformed. */
export function decodeZatcaQr(payload: string): ZatcaQrFields {
  let bytes: Uint8Array;
  try {
    bytes = Uint8Array.from(atob(payload), (ch) => ch.charCodeAt(0));
  } catch {
    throw new ZatcaQrError("ZATCA QR payload is not Base64");
  }
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  const values = new Map<number, string>();
  let at = 0;
  while (at < bytes.length) {
    const tag = bytes[at];
    const length = bytes[at + 1];
    if (tag === undefined || length === undefined || at + 2 + length > bytes.length) {
      throw new ZatcaQrError(`ZATCA QR payload is truncated at byte ${at}`);
    }
    values.set(tag, decoder.decode(bytes.subarray(at + 2, at + 2 + length)));
    at += 2 + length;
  }
  const field = (tag: number) => {
    const value = values.get(tag);
    if (value === undefined) throw new ZatcaQrError(`ZATCA QR payload lacks tag ${tag}`);
    return value;
  };
  return {
    sellerName: field(1),
    vatNumber: field(2),
    timestamp: field(3),
    totalWithVat: field(4),
    vatTotal: field(5),
  };
}
