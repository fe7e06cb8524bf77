// Package control is the control API: webhooks, secrets, history, replay and
// dead letters.
package control
