// Package router matches events against webhook subscriptions and produces
// one delivery task per match, consuming and producing in one Kafka
// transaction.
package router
