// Package outbound is what the deliverer and the control API share to send a
// webhook exactly alike: payload rendering (payload), signing (signature),
// the guarded HTTP sender and header redaction (send), and the dial-time
// address guard (ssrf). Neither of the two depends on the other; both depend
// on this module.
package outbound
