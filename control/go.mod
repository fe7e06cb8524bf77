module github.com/hookstream/hookstream/control

go 1.26

replace github.com/hookstream/hookstream/schemas => ../schemas

replace github.com/hookstream/hookstream/platform => ../platform

require (
	github.com/hookstream/hookstream/platform v0.0.0
	github.com/hookstream/hookstream/schemas v0.0.0
)
