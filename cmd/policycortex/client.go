package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/policycortex/policycortex/api"
)

// defaultServer is the daemon address of client commands.
const defaultServer = "http://127.0.0.1:8080"

// maxResponseBytes bounds a daemon response read by the CLI.
const maxResponseBytes = 64 << 20

// clientOptions are the flags of commands that call the daemon.
type clientOptions struct {
	server    string
	tokenFile string
	timeout   time.Duration
}

// addClientFlags adds --server, --token-file and --timeout, with defaults
// from POLICYCORTEX_SERVER and POLICYCORTEX_TOKEN_FILE.
func addClientFlags(cmd *cobra.Command, opts *clientOptions, lookupEnv lookupEnvFunc) {
	server := defaultServer
	if v, ok := lookupEnv("POLICYCORTEX_SERVER"); ok && v != "" {
		server = v
	}
	tokenFile, _ := lookupEnv("POLICYCORTEX_TOKEN_FILE")
	cmd.Flags().StringVar(&opts.server, "server", server, "base URL of the daemon (env POLICYCORTEX_SERVER)")
	cmd.Flags().StringVar(&opts.tokenFile, "token-file", tokenFile, "file containing the daemon's API bearer token (env POLICYCORTEX_TOKEN_FILE)")
	cmd.Flags().DurationVar(&opts.timeout, "timeout", 30*time.Second, "maximum time for each request to the daemon")
}

// apiClient calls the daemon's HTTP API.
type apiClient struct {
	base  *url.URL
	token string
	http  *http.Client
}

// newClient checks the flags and reads the token file.
func (o clientOptions) newClient() (*apiClient, error) {
	base, err := url.Parse(strings.TrimRight(o.server, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, usageErrorf("invalid --server %q: want an http:// or https:// URL such as %s", o.server, defaultServer)
	}
	if o.timeout <= 0 {
		return nil, usageErrorf("invalid --timeout %s: must be positive", o.timeout)
	}
	c := &apiClient{base: base, http: &http.Client{Timeout: o.timeout}}
	if o.tokenFile != "" {
		c.token, err = readSecretFile(o.tokenFile)
		if err != nil {
			return nil, ioError(fmt.Errorf("read --token-file: %w", err))
		}
	}
	return c, nil
}

// readSecretFile reads a token or secret, trimming surrounding white space.
// An empty file is an error.
func readSecretFile(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	secret := strings.TrimSpace(string(data))
	if secret == "" {
		return "", fmt.Errorf("%s is empty", path)
	}
	return secret, nil
}

// getJSON sends GET path?query and decodes a 2xx JSON body into out.
func (c *apiClient) getJSON(ctx context.Context, path string, query url.Values, out any) error {
	_, err := c.do(ctx, http.MethodGet, path, query, "", nil, out)
	return err
}

// do sends a request to path, which is unescaped and starts with "/", and
// decodes a 2xx JSON body into out. It returns the
// status code. Error responses become failures carrying the daemon's
// message; transport errors become I/O errors.
func (c *apiClient) do(ctx context.Context, method, path string, query url.Values, contentType string, body []byte, out any) (int, error) {
	target := *c.base
	target.Path = strings.TrimRight(c.base.Path, "/") + path
	target.RawPath = ""
	target.RawQuery = query.Encode()

	req, err := http.NewRequestWithContext(ctx, method, target.String(), bytes.NewReader(body))
	if err != nil {
		return 0, ioError(fmt.Errorf("build request %s %s: %w", method, target.Redacted(), err))
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}

	resp, err := c.http.Do(req)
	if err != nil {
		return 0, c.transportError(method, &target, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return resp.StatusCode, ioError(fmt.Errorf("read response of %s %s: %w", method, target.Path, err))
	}

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, responseError(method, &target, resp.StatusCode, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.StatusCode, ioError(fmt.Errorf("decode response of %s %s: %w", method, target.Path, err))
		}
	}
	return resp.StatusCode, nil
}

// transportError explains a request that got no response, with a hint when
// nothing listens at the server address.
func (c *apiClient) transportError(method string, target *url.URL, err error) error {
	if errors.Is(err, syscall.ECONNREFUSED) {
		return ioError(fmt.Errorf("connect to %s: connection refused; is `policycortex serve` running at %s? (set --server or POLICYCORTEX_SERVER)", c.base.Host, c.base))
	}
	return ioError(fmt.Errorf("%s %s: %w", method, target.Redacted(), err))
}

// responseError turns an error response into a failure carrying the daemon's
// {"error": ...} message.
func responseError(method string, target *url.URL, status int, body []byte) error {
	var e api.ErrorResponse
	msg := strings.TrimSpace(string(body))
	if json.Unmarshal(body, &e) == nil && e.Error != "" {
		msg = e.Error
	}
	err := fmt.Errorf("%s %s: %d %s: %s", method, target.Path, status, http.StatusText(status), truncate(msg, 2000))
	if status == http.StatusUnauthorized {
		err = fmt.Errorf("%w (set --token-file or POLICYCORTEX_TOKEN_FILE)", err)
	}
	return failure(err)
}

// fetchAndShow sends GET path to the daemon and writes the response as JSON
// or, with output text, through printText.
func fetchAndShow[T any](cmd *cobra.Command, client clientOptions, output, path string, printText func(io.Writer, T) error) error {
	if err := checkChoice("output", output, formatText, formatJSON); err != nil {
		return err
	}
	c, err := client.newClient()
	if err != nil {
		return err
	}
	var v T
	if err := c.getJSON(cmd.Context(), path, nil, &v); err != nil {
		return err
	}
	if output == formatJSON {
		return writeJSON(cmd.OutOrStdout(), v)
	}
	return printText(cmd.OutOrStdout(), v)
}
