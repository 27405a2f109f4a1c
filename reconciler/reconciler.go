// Package reconciler follows a branch of the policy repository. For each new
// head it loads the commit's tree, validates and compiles it with package
// schema and diffs it against the active set. It then activates the whole
// commit in one store transaction, or records the commit's rejection and
// keeps the last good set active.
package reconciler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/policycortex/policycortex/expr"
	"github.com/policycortex/policycortex/schema"
	"github.com/policycortex/policycortex/store"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultBranch       = "main"
	DefaultPollInterval = 30 * time.Second
	DefaultMaxBackoff   = 5 * time.Minute
)

// Store is the part of the store that the reconciler uses. *store.Store
// implements it.
type Store interface {
	Activate(ctx context.Context, a store.Activation) (int64, error)
	RecordRejection(ctx context.Context, r store.Rejection) error
	ActiveSnapshot(ctx context.Context) (*store.Snapshot, error)
	SnapshotFiles(ctx context.Context, id int64) (map[string][]byte, error)
	ReconcileHistory(ctx context.Context, limit int) ([]store.ReconcileRecord, error)
}

// Config configures a Reconciler.
type Config struct {
	// Repo is the policy repository: a local path, or a file://, https:// or
	// ssh:// URL. The scp-like form user@host:path is read as ssh.
	Repo string
	// Branch is the branch to follow. Default "main".
	Branch string
	// Path is the subdirectory of the repository that contains the policy
	// files. Default the repository root.
	Path string
	// DataDir contains the full bare clone, in DataDir/git/policy.git.
	DataDir string
	// PollInterval is the time between passes of Run. Default 30s.
	PollInterval time.Duration
	// MaxBackoff caps the retry delay after failed passes, which starts at
	// 1s and doubles. Default 5m.
	MaxBackoff time.Duration
	// SSHKeyFile is the private key for ssh:// URLs. When empty, the SSH
	// agent at SSH_AUTH_SOCK is used.
	SSHKeyFile string
	// TokenFile contains the access token for https:// URLs. When empty, the
	// environment variable POLICYCORTEX_GIT_TOKEN is used. The file is read
	// at each fetch, so a rotated token takes effect without a restart.
	TokenFile string
	// CAFile is a PEM file of CA certificates trusted for https:// besides
	// the system pool, for servers with a private CA.
	CAFile string
	// MaxFileSize is the largest policy file, in bytes, that is read and
	// parsed. Zero means schema.DefaultMaxFileSize. A larger .yaml, .yml or
	// .json file under Path rejects the commit.
	MaxFileSize int64
	Store       Store
	// Env is the expression environment passed to schema.LoadRepository.
	Env    *expr.Env
	Logger *slog.Logger
	// Now returns the current time. Default time.Now.
	Now func() time.Time
	// OnActivate is called after an activation commits, and by Restore. It
	// runs while the reconciler holds its pass lock, so it must not call
	// Reconcile or Restore.
	OnActivate func(ctx context.Context, snapshotID int64, commit string, repo *schema.Repository)
	// OnPass, when set, is called by Run after each pass with its result and
	// error, for metrics.
	OnPass func(Result, error)
}

// Reconciler activates commits of a policy repository branch.
type Reconciler struct {
	cfg     Config
	source  *gitSource
	tree    *treeLoader
	trigger chan struct{}
	// after returns a channel that fires after d. Tests replace it.
	after func(d time.Duration) <-chan time.Time

	// passMu serializes Reconcile and Restore and guards the fields below.
	passMu   sync.Mutex
	baseline bool
	active   *schema.Repository
	activeID int64
	// activeCommit and activeWorkflows describe the active snapshot, known
	// even when it has not been compiled in this process.
	activeCommit    string
	activeWorkflows []store.WorkflowRecord
	// lastCommit is the newest activated or rejected commit.
	lastCommit string
	// revalidate makes the next pass evaluate the head even when it is
	// the active or last commit, after Restore found the stored snapshot
	// invalid.
	revalidate bool

	statusMu sync.Mutex
	status   Status
}

// New validates cfg, applies defaults and opens or creates the bare clone in
// DataDir/git/policy.git. It does not fetch.
func New(cfg Config) (*Reconciler, error) {
	cfg, err := withDefaults(cfg)
	if err != nil {
		return nil, err
	}
	remote, err := parseRemote(cfg.Repo)
	if err != nil {
		return nil, err
	}
	auth := authConfig{sshKeyFile: cfg.SSHKeyFile, tokenFile: cfg.TokenFile, caFile: cfg.CAFile}
	source, err := openSource(filepath.Join(cfg.DataDir, "git", "policy.git"), remote, cfg.Branch, auth)
	if err != nil {
		return nil, err
	}
	r := &Reconciler{
		cfg:     cfg,
		source:  source,
		tree:    newTreeLoader(source.repo.Storer, cfg.Path, cfg.MaxFileSize),
		trigger: make(chan struct{}, 1),
		after:   time.After,
	}
	r.status.Repo = source.remote.url
	r.status.Branch = cfg.Branch
	return r, nil
}

func withDefaults(cfg Config) (Config, error) {
	if cfg.Repo == "" {
		return cfg, errors.New("new reconciler: Repo is empty")
	}
	if cfg.DataDir == "" {
		return cfg, errors.New("new reconciler: DataDir is empty")
	}
	if cfg.Store == nil {
		return cfg, errors.New("new reconciler: Store is nil")
	}

	if cfg.Branch == "" {
		cfg.Branch = DefaultBranch
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = DefaultMaxBackoff
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}

	policyPath, err := cleanPolicyPath(cfg.Path)
	if err != nil {
		return cfg, err
	}
	cfg.Path = policyPath
	return cfg, nil
}

// cleanPolicyPath turns Config.Path into a slash-separated path relative to
// the repository root, "" for the root itself.
func cleanPolicyPath(p string) (string, error) {
	slashed := filepath.ToSlash(p)
	for _, segment := range strings.Split(slashed, "/") {
		if segment == ".." {
			return "", fmt.Errorf("new reconciler: Path %q must not contain \"..\"", p)
		}
	}
	return strings.Trim(path.Clean("/"+slashed), "/"), nil
}
