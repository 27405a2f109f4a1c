package reconciler

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

const remoteName = "origin"

// storageOptions keep up to 16 pack files open between object reads. By
// default go-git opens and closes the pack file for every object it reads,
// which cost about a tenth of BenchmarkReconcileOneChange with a memory store.
var storageOptions = filesystem.Options{MaxOpenDescriptors: 16}

// fetchRefSpec mirrors every branch of the remote, force-updating the
// remote-tracking refs so that a force-pushed branch is followed.
const fetchRefSpec = config.RefSpec("+refs/heads/*:refs/remotes/origin/*")

// gitSource is the full bare clone of the policy repository.
type gitSource struct {
	repo   *git.Repository
	remote remoteSpec
	branch string
	auth   authConfig
}

// openSource opens the bare clone at dir, creating it when missing, and
// points its "origin" remote at remote.url.
func openSource(dir string, remote remoteSpec, branch string, auth authConfig) (*gitSource, error) {
	objects := filesystem.NewStorageWithOptions(osfs.New(dir), cache.NewObjectLRUDefault(), storageOptions)
	repo, err := git.Init(objects, nil)
	if errors.Is(err, git.ErrRepositoryAlreadyExists) {
		repo, err = git.Open(objects, nil)
	}
	if err != nil {
		return nil, fmt.Errorf("open bare clone %s: %w", dir, err)
	}
	if err := setOrigin(repo, remote.url); err != nil {
		return nil, fmt.Errorf("configure bare clone %s: %w", dir, err)
	}
	if remote.protocol == "file" {
		installFileTransport()
	}
	return &gitSource{repo: repo, remote: remote, branch: branch, auth: auth}, nil
}

// setOrigin writes the "origin" remote unless it already has exactly this
// URL and fetch refspec, so a changed Config.Repo takes effect on restart.
func setOrigin(repo *git.Repository, url string) error {
	cfg, err := repo.Config()
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	current, ok := cfg.Remotes[remoteName]
	if ok && len(current.URLs) == 1 && current.URLs[0] == url &&
		len(current.Fetch) == 1 && current.Fetch[0] == fetchRefSpec {
		return nil
	}
	cfg.Remotes[remoteName] = &config.RemoteConfig{
		Name:  remoteName,
		URLs:  []string{url},
		Fetch: []config.RefSpec{fetchRefSpec},
	}
	if err := repo.SetConfig(cfg); err != nil {
		return fmt.Errorf("write remote %s: %w", remoteName, err)
	}
	return nil
}

// fetch updates every remote-tracking branch. Branches deleted on the remote
// are pruned, so a deleted policy branch is reported as missing instead of
// being followed at its last known commit.
//
// NOTE: each fetch that brings new objects adds a pack file to the clone and
// nothing repacks them. go-git's RepackObjects leaves the open storage's pack
// index stale, so run `git gc` in DataDir/git/policy.git while the daemon is
// stopped if thousands of packs build up.
func (s *gitSource) fetch(ctx context.Context) error {
	auth, err := s.auth.method(s.remote)
	if err != nil {
		return fmt.Errorf("fetch %s: %w", s.remote.url, err)
	}
	caBundle, err := s.auth.caBundle()
	if err != nil {
		return fmt.Errorf("fetch %s: %w", s.remote.url, err)
	}
	err = s.repo.FetchContext(ctx, &git.FetchOptions{
		RemoteName: remoteName,
		RefSpecs:   []config.RefSpec{fetchRefSpec},
		Force:      true,
		Prune:      true,
		Tags:       git.NoTags,
		Auth:       auth,
		CABundle:   caBundle,
	})
	switch {
	case err == nil, errors.Is(err, git.NoErrAlreadyUpToDate):
		return nil
	case errors.Is(err, transport.ErrEmptyRemoteRepository):
		return fmt.Errorf("fetch %s: remote repository has no branches", s.remote.url)
	default:
		return fmt.Errorf("fetch %s: %w", s.remote.url, err)
	}
}

// head returns the commit of refs/remotes/origin/<branch>.
func (s *gitSource) head() (*object.Commit, error) {
	name := plumbing.NewRemoteReferenceName(remoteName, s.branch)
	ref, err := s.repo.Reference(name, true)
	if errors.Is(err, plumbing.ErrReferenceNotFound) {
		return nil, fmt.Errorf("resolve branch %q: not found in %s", s.branch, s.remote.url)
	}
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", name, err)
	}
	commit, err := s.repo.CommitObject(ref.Hash())
	if err != nil {
		return nil, fmt.Errorf("read commit %s of branch %q: %w", ref.Hash(), s.branch, err)
	}
	return commit, nil
}
