// Package dnsclient asks DNS questions for the SIP locator: one (name, type)
// at a time, to the configured name servers, over UDP with EDNS0 and over
// TCP when the answer is truncated, following CNAME chains, with a TTL cache
// that also keeps negative answers (RFC 2308).
package dnsclient
