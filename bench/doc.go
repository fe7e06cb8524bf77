// Package bench is the home of hookstream's end-to-end benchmark and fault
// tests (scripts/bench, scripts/chaos): they start the stack as separate
// processes, create webhooks through the API, produce events through the
// producer library to a receiver of their own, and count what arrives.
package bench
