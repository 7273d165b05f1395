import { describe, expect, it } from "vitest";
import { base64url, pkcePair, s256 } from "./oidc";

describe("PKCE (RFC 7636)", () => {
  it("encodes base64url without padding", () => {
    expect(base64url(new Uint8Array([0xfb, 0xff, 0xfe]))).toBe("-__-");
    expect(base64url(new Uint8Array([0x61]))).toBe("YQ");
  });

  it("derives the S256 challenge (expected value from Python hashlib + urlsafe_b64encode)", async () => {
    expect(await s256("dBjftJeZ4CVP-mJ0tqXiSpNfu2nYEbrw6kJ1TqPKkKq")).toBe("iT9tovvdxGjQQO0ebpQTx8admlsHspEnTOZPqhWv8dY");
  });

  it("makes a fresh 43-character verifier from the unreserved set with its challenge", async () => {
    const { verifier, challenge } = await pkcePair();
    expect(verifier).toMatch(/^[A-Za-z0-9\-_]{43}$/);
    expect(challenge).toBe(await s256(verifier));
    expect((await pkcePair()).verifier).not.toBe(verifier);
  });
});
