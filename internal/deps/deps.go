// Package deps pins the project's modules in go.mod while the packages that
// use them are written; it is deleted once every module has an importer.
package deps

import (
	_ "cel.dev/cel-go/cel"
	_ "github.com/ProtonMail/go-crypto/openpgp"
	_ "github.com/go-git/go-git/v5"
	_ "github.com/google/uuid"
	_ "github.com/hiddeco/sshsig"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/robfig/cron/v3"
	_ "github.com/santhosh-tekuri/jsonschema/v6"
	_ "github.com/spf13/cobra"
	_ "go.starlark.net/starlark"
	_ "go.yaml.in/yaml/v3"
	_ "modernc.org/sqlite"
)
