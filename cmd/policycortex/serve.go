package main

import (
	"net"
	"time"

	"github.com/spf13/cobra"

	"github.com/policycortex/policycortex/engine"
	"github.com/policycortex/policycortex/reconciler"
	"github.com/policycortex/policycortex/sandbox"
)

// serveOptions are the flags of serve.
type serveOptions struct {
	repo              string
	branch            string
	path              string
	dataDir           string
	listen            string
	pollInterval      time.Duration
	connectors        string
	apiTokenFile      string
	webhookSecretFile string
	sshKeyFile        string
	gitTokenFile      string
	workers           int
	allowExec         bool
	scriptMemoryMiB   int
	scriptChildren    int
	logFormat         string
	logLevel          string
}

// minScriptMemoryMiB is the smallest memory limit a script child starts
// with reliably.
const minScriptMemoryMiB = 16

// minPollInterval bounds how often the repository is fetched. Intervals
// under a second suit tests and local repositories; remote hosts usually
// want 30s or more, or a push webhook.
const minPollInterval = 100 * time.Millisecond

// validate checks the flags and returns a usage error for a bad one.
func (o serveOptions) validate() error {
	if o.repo == "" {
		return usageErrorf("--repo is required: a local path or a file://, https:// or ssh:// URL of the policy repository")
	}
	if o.branch == "" {
		return usageErrorf("--branch must not be empty")
	}
	if o.dataDir == "" {
		return usageErrorf("--data-dir must not be empty")
	}
	if _, _, err := net.SplitHostPort(o.listen); err != nil {
		return usageErrorf("invalid --listen %q: want host:port such as 127.0.0.1:8080: %v", o.listen, err)
	}
	if o.pollInterval < minPollInterval {
		return usageErrorf("invalid --poll-interval %s: must be at least %s", o.pollInterval, minPollInterval)
	}
	if o.workers < 1 {
		return usageErrorf("invalid --workers %d: must be at least 1", o.workers)
	}
	if o.scriptMemoryMiB < minScriptMemoryMiB {
		return usageErrorf("invalid --script-memory-mib %d: must be at least %d", o.scriptMemoryMiB, minScriptMemoryMiB)
	}
	if o.scriptChildren < 1 {
		return usageErrorf("invalid --script-children %d: must be at least 1", o.scriptChildren)
	}
	if err := checkChoice("log-format", o.logFormat, formatText, formatJSON); err != nil {
		return err
	}
	if _, err := parseLogLevel(o.logLevel); err != nil {
		return err
	}
	return nil
}

func newServeCmd(lookupEnv lookupEnvFunc) *cobra.Command {
	var opts serveOptions
	cmd := &cobra.Command{
		Use:   "serve --repo <path or URL>",
		Short: "Run the daemon: follow the policy repository and run its workflows",
		Long: `Run the daemon. It keeps a full clone of the policy repository under
--data-dir, polls --branch every --poll-interval, validates each new commit
and activates it whole or rejects it whole, and runs the active workflows on
events posted to POST /v1/events and on their schedules. State lives in
DATA_DIR/policycortex.db, so a restart resumes where the daemon stopped.

The HTTP API listens on --listen. With --api-token-file every request except
/healthz, /readyz and the push webhook needs "Authorization: Bearer <token>".
With --webhook-secret-file, POST /v1/webhooks/git accepts push webhooks
signed in the X-Hub-Signature-256 header and starts a reconcile at once.

SIGINT or SIGTERM stops the HTTP server, lets running steps finish (up to
10s) and closes the database.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.validate(); err != nil {
				return err
			}
			return runServe(cmd.Context(), opts, cmd.ErrOrStderr(), lookupEnv)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.repo, "repo", "", "policy repository: local path, or file://, https:// or ssh:// URL (required)")
	f.StringVar(&opts.branch, "branch", reconciler.DefaultBranch, "branch to follow")
	f.StringVar(&opts.path, "path", "", "subdirectory of the repository that contains the policy files (default: the root)")
	f.StringVar(&opts.dataDir, "data-dir", "./policycortex-data", "directory for the database and the Git clone")
	f.StringVar(&opts.listen, "listen", "127.0.0.1:8080", "address of the HTTP API, host:port")
	f.DurationVar(&opts.pollInterval, "poll-interval", reconciler.DefaultPollInterval, "time between fetches of the repository")
	f.StringVar(&opts.connectors, "connectors", "", "connectors YAML file with endpoints and secrets; ${VAR} is expanded from the environment")
	f.StringVar(&opts.apiTokenFile, "api-token-file", "", "file containing the bearer token that API requests must send")
	f.StringVar(&opts.webhookSecretFile, "webhook-secret-file", "", "file containing the HMAC secret of Git push webhooks; without it the webhook endpoint is disabled")
	f.StringVar(&opts.sshKeyFile, "ssh-key", "", "private key for ssh:// repositories (default: the SSH agent at SSH_AUTH_SOCK)")
	f.StringVar(&opts.gitTokenFile, "git-token-file", "", "file containing the access token for https:// repositories (default: env POLICYCORTEX_GIT_TOKEN)")
	f.IntVar(&opts.workers, "workers", engine.DefaultWorkers, "number of runs executed at once")
	f.BoolVar(&opts.allowExec, "allow-exec", false, "let exec actions run programs with the daemon's rights; off by default, because a workflow change could then read the daemon's secrets")
	f.IntVar(&opts.scriptMemoryMiB, "script-memory-mib", sandbox.DefaultMemoryLimit>>20, "memory limit of each script step's child process, in MiB")
	f.IntVar(&opts.scriptChildren, "script-children", sandbox.DefaultMaxChildren, "number of script steps run at once; others wait within their timeout")
	f.StringVar(&opts.logFormat, "log-format", formatText, "log format on stderr: text or json")
	f.StringVar(&opts.logLevel, "log-level", "info", "minimum log level: debug, info, warn or error")
	return cmd
}
