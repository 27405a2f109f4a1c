// Command demo-sink replaces the third-party APIs of the demo (cloud
// automation gateway, Jira, PagerDuty, mail, Slack). It listens on loopback,
// prints one line per request and responds as those APIs do on success.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
)

func main() {
	addr := flag.String("listen", "127.0.0.1:0", "address to listen on")
	addrFile := flag.String("addr-file", "", "file to write the bound address to")
	freePort := flag.Bool("free-port", false, "print a free loopback TCP port and exit")
	flag.Parse()

	if *freePort {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			log.Fatalf("find a free port: %v", err)
		}
		fmt.Println(ln.Addr().(*net.TCPAddr).Port)
		_ = ln.Close()
		return
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("listen %s: %v", *addr, err)
	}
	if *addrFile != "" {
		if err := os.WriteFile(*addrFile, []byte(ln.Addr().String()), 0o644); err != nil {
			log.Fatalf("write %s: %v", *addrFile, err)
		}
	}
	var count atomic.Int64
	log.Fatal(http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := count.Add(1)
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		fmt.Printf("sink: %s %s key=%s body=%s\n", r.Method, r.URL.Path, r.Header.Get("Idempotency-Key"), compact(body))
		if strings.HasPrefix(r.URL.Path, "/slack/") {
			_, _ = io.WriteString(w, "ok")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "id": fmt.Sprintf("demo-%d", n)})
	})))
}

func compact(body []byte) string {
	var buf bytes.Buffer
	if json.Compact(&buf, body) != nil {
		return string(body)
	}
	return buf.String()
}
