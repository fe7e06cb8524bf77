module github.com/hookstream/hookstream/deliverer

go 1.26.0

replace github.com/hookstream/hookstream/schemas => ../schemas

replace github.com/hookstream/hookstream/platform => ../platform

require github.com/hookstream/hookstream/platform v0.0.0

require github.com/standard-webhooks/standard-webhooks/libraries v0.0.1
