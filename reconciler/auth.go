package reconciler

import (
	"bytes"
	"fmt"
	"os"

	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/plumbing/transport/http"
	"github.com/go-git/go-git/v5/plumbing/transport/ssh"
)

// TokenEnv is the environment variable that contains the https access token
// when Config.TokenFile is empty.
const TokenEnv = "POLICYCORTEX_GIT_TOKEN"

// tokenUsername is the basic-auth user name sent with a token when the URL
// names none. GitHub documents it for app installation tokens ("Authenticating
// as a GitHub App installation", docs.github.com), and GitLab accepts any
// user name with a personal access token.
const tokenUsername = "x-access-token"

// authConfig contains the daemon's own Git credentials settings. They never
// come from the policy repository.
type authConfig struct {
	sshKeyFile string
	tokenFile  string
	caFile     string
}

// method returns the go-git auth method for one fetch from remote, or nil
// when the remote needs none.
func (a authConfig) method(remote remoteSpec) (transport.AuthMethod, error) {
	switch remote.protocol {
	case "ssh":
		return a.sshMethod(remote.username)
	case "https":
		token, err := a.token()
		if err != nil {
			return nil, err
		}
		if token != "" {
			username := remote.username
			if username == "" {
				username = tokenUsername
			}
			return &http.BasicAuth{Username: username, Password: token}, nil
		}
		return basicAuthFromURL(remote), nil
	case "http":
		return basicAuthFromURL(remote), nil
	default:
		return nil, nil
	}
}

func basicAuthFromURL(remote remoteSpec) transport.AuthMethod {
	if remote.username == "" {
		return nil
	}
	return &http.BasicAuth{Username: remote.username, Password: remote.password}
}

func (a authConfig) sshMethod(username string) (transport.AuthMethod, error) {
	if username == "" {
		username = ssh.DefaultUsername
	}
	if a.sshKeyFile != "" {
		keys, err := ssh.NewPublicKeysFromFile(username, a.sshKeyFile, "")
		if err != nil {
			return nil, fmt.Errorf("read SSH key %s (passphrase-protected keys need the SSH agent): %w", a.sshKeyFile, err)
		}
		return keys, nil
	}
	agent, err := ssh.NewSSHAgentAuth(username)
	if err != nil {
		return nil, fmt.Errorf("connect to SSH agent (set SSHKeyFile or SSH_AUTH_SOCK): %w", err)
	}
	return agent, nil
}

// token reads the https token from the token file, or else from TokenEnv.
// It returns "" when neither is set.
func (a authConfig) token() (string, error) {
	if a.tokenFile == "" {
		return os.Getenv(TokenEnv), nil
	}
	data, err := os.ReadFile(a.tokenFile)
	if err != nil {
		return "", fmt.Errorf("read token file: %w", err)
	}
	token := string(bytes.TrimSpace(data))
	if token == "" {
		return "", fmt.Errorf("read token file %s: file is empty", a.tokenFile)
	}
	return token, nil
}

// caBundle reads the extra CA certificates, or returns nil when none are
// configured.
func (a authConfig) caBundle() ([]byte, error) {
	if a.caFile == "" {
		return nil, nil
	}
	data, err := os.ReadFile(a.caFile)
	if err != nil {
		return nil, fmt.Errorf("read CA file: %w", err)
	}
	return data, nil
}
