// Phone numbers are stored in E.164 (`+9665XXXXXXXX`). People type them in many local forms,
// often with Arabic-Indic digits from an Arabic keyboard, so normalise before validating.
const ARABIC_INDIC_ZERO = 0x0660;
const EXTENDED_ARABIC_INDIC_ZERO = 0x06f0;

function toAsciiDigits(input: string): string {
  return input.replace(/[\u0660-\u0669\u06f0-\u06f9]/g, (ch) => {
    const code = ch.charCodeAt(0);
    const zero = code >= EXTENDED_ARABIC_INDIC_ZERO ? EXTENDED_ARABIC_INDIC_ZERO : ARABIC_INDIC_ZERO;
    return String(code - zero);
  });
}

/**
 * Returns the E.164 form of a phone number, or null when it is not one. Saudi local forms
 * (`05XXXXXXXX`, `5XXXXXXXX`, `9665…`, `009665…`) become `+9665XXXXXXXX`; other countries must
 * be given with their `+` or `00` prefix.
 */
export function normalizePhone(input: string): string | null {
  const compact = toAsciiDigits(input).replace(/[\s\-().\u200e\u200f]/g, "");
  let digits: string;
  if (compact.startsWith("+")) digits = compact.slice(1);
  else if (compact.startsWith("00")) digits = compact.slice(2);
  else if (/^05\d{8}$/.test(compact)) digits = `966${compact.slice(1)}`;
  else if (/^5\d{8}$/.test(compact)) digits = `966${compact}`;
  else if (/^9665\d{8}$/.test(compact)) digits = compact;
  else return null;

  if (!/^[1-9]\d{7,14}$/.test(digits)) return null;
  // Saudi numbers have exactly nine digits after the country code.
  if (digits.startsWith("966") && !/^966\d{9}$/.test(digits)) return null;
  return `+${digits}`;
}
