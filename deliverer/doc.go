// Package deliverer sends delivery tasks to webhook endpoints, signed, and
// moves failures through the delayed retry tiers to the dead-letter topic.
package deliverer
