import { addressBucketKey } from "../../../src/rate-limit/client-address";

describe("addressBucketKey", () => {
  it.each([
    ["192.0.2.1", "192.0.2.1"],
    ["::ffff:192.0.2.1", "192.0.2.1"],
    ["::FFFF:127.0.0.1", "127.0.0.1"],
  ])("counts IPv4 %s one by one, as %s", (address, key) => {
    expect(addressBucketKey(address)).toBe(key);
  });

  it.each([
    ["2001:db8:1:2::1", "2001:db8:1:2::/64"],
    ["2001:0db8:0001:0002:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"],
    ["2001:DB8:1:2:3:4:5:6", "2001:db8:1:2::/64"],
    ["2001:db8::1", "2001:db8:0:0::/64"],
    ["::1", "0:0:0:0::/64"],
    ["fe80::1%eth0", "fe80:0:0:0::/64"],
    ["64:ff9b:1:2::192.0.2.1", "64:ff9b:1:2::/64"],
  ])("counts IPv6 %s by its /64, %s", (address, key) => {
    expect(addressBucketKey(address)).toBe(key);
  });

  it("keeps addresses of one /64 together and of different /64s apart", () => {
    expect(addressBucketKey("2001:db8:a:b::1")).toBe(addressBucketKey("2001:db8:a:b:ffff::2"));
    expect(addressBucketKey("2001:db8:a:b::1")).not.toBe(addressBucketKey("2001:db8:a:c::1"));
  });

  it("keeps anything else apart from real addresses", () => {
    expect(addressBucketKey("unknown")).toBe("other:unknown");
  });
});
