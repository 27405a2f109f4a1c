package reconciler

import (
	"context"
	"errors"
	"sync"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/plumbing/transport/client"
	"github.com/go-git/go-git/v5/plumbing/transport/server"
)

// fileTransportOnce guards the registration of the in-process file
// transport. go-git keeps its transports in the process-wide map
// client.Protocols, which is not safe for concurrent writes, so the
// registration happens once per process.
var fileTransportOnce sync.Once

// installFileTransport makes go-git serve file:// fetches in process. By
// default go-git v5 runs the git-upload-pack binary for file:// URLs, so a
// local repository could not be fetched without git on PATH. The
// registration applies to every go-git user in the process.
func installFileTransport() {
	fileTransportOnce.Do(func() {
		client.InstallProtocol("file", localTransport{})
	})
}

// localTransport is go-git's in-process server (server.NewClient) with two
// fixes for fetching from a local repository:
//
//   - It opens bare repositories and work trees alike. go-git's
//     server.DefaultLoader reads a work tree's objects from the work tree
//     root instead of its .git directory.
//   - It drops the client's "have" commits that the repository lacks. The
//     go-git v5.19 server fails the whole fetch with "object not found" on
//     such a commit, which is what the clone sends after the branch was
//     force-pushed and the old commits were pruned, or after Config.Repo
//     changed to another repository.
type localTransport struct{}

// NewUploadPackSession implements transport.Transport.
func (localTransport) NewUploadPackSession(ep *transport.Endpoint, auth transport.AuthMethod) (transport.UploadPackSession, error) {
	objects, err := openLocal(ep)
	if err != nil {
		return nil, err
	}
	session, err := server.NewClient(fixedLoader{objects}).NewUploadPackSession(ep, auth)
	if err != nil {
		return nil, err
	}
	return &localUploadSession{UploadPackSession: session, objects: objects}, nil
}

// NewReceivePackSession implements transport.Transport. The reconciler never
// pushes, but other go-git users in the process may.
func (localTransport) NewReceivePackSession(ep *transport.Endpoint, auth transport.AuthMethod) (transport.ReceivePackSession, error) {
	objects, err := openLocal(ep)
	if err != nil {
		return nil, err
	}
	return server.NewClient(fixedLoader{objects}).NewReceivePackSession(ep, auth)
}

// openLocal opens the repository at a file:// endpoint's path, bare or with
// a work tree.
func openLocal(ep *transport.Endpoint) (storer.Storer, error) {
	repo, err := git.PlainOpenWithOptions(ep.Path, &git.PlainOpenOptions{EnableDotGitCommonDir: true})
	if errors.Is(err, git.ErrRepositoryNotExists) {
		return nil, transport.ErrRepositoryNotFound
	}
	if err != nil {
		return nil, err
	}
	return repo.Storer, nil
}

// fixedLoader is a server.Loader that returns one already opened storer.
type fixedLoader struct {
	objects storer.Storer
}

// Load implements server.Loader.
func (l fixedLoader) Load(*transport.Endpoint) (storer.Storer, error) {
	return l.objects, nil
}

// localUploadSession filters the client's haves before the server sees them.
type localUploadSession struct {
	transport.UploadPackSession
	objects storer.EncodedObjectStorer
}

// UploadPack implements transport.UploadPackSession.
func (s *localUploadSession) UploadPack(ctx context.Context, req *packp.UploadPackRequest) (*packp.UploadPackResponse, error) {
	known := req.Haves[:0:0]
	for _, have := range req.Haves {
		if s.objects.HasEncodedObject(have) == nil {
			known = append(known, have)
		}
	}
	req.Haves = known
	return s.UploadPackSession.UploadPack(ctx, req)
}
