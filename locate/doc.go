// Package locate finds the SIP servers for a URI as RFC 3263 says: NAPTR
// (RFC 3403/3404), then SRV (RFC 2782), then A/AAAA, and returns the targets
// in the order a client should try them.
package locate
