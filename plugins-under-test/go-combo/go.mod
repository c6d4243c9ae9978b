module cni-harness.invalid/go-combo

go 1.20
