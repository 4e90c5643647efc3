// The backup image's archive writer, for the differential test of `s3 verify`
// (test/s3/verify-differential.test.ts): the positive side, an archive written
// the way infrahub-backup writes one must be verified.
//
// Written from the behaviour of infrahub-backup's backup (opsmill/infrahub-backup,
// src/internal/app: the checksums of the files under backup/, then
// createTarball): a folder `backup` holding database/... and prefect.dump, the
// SHA-256 of each file as lowercase hex (fmt's %x) keyed by its path relative
// to backup/, backup_information.json written with encoding/json, then a
// filepath.Walk of backup/ into Go's tar.Writer (tar.FileInfoHeader, the name
// replaced by the path relative to the work folder), gzip-compressed.
//
// Usage: image-backup OUT.tar.gz NAME=SIZE... ; NAME is a path under backup/
// (a long one makes the writer use the USTAR prefix or a PAX header), SIZE
// bytes of deterministic content; IMAGE_BACKUP_UID=N gives the files that owner.
package main

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"io/ioutil"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

type metadata struct {
	MetadataVersion int               `json:"metadata_version"`
	BackupID        string            `json:"backup_id"`
	CreatedAt       string            `json:"created_at"`
	ToolVersion     string            `json:"tool_version"`
	InfrahubVersion string            `json:"infrahub_version"`
	Components      []string          `json:"components"`
	Checksums       map[string]string `json:"checksums,omitempty"`
	Neo4jEdition    string            `json:"neo4j_edition,omitempty"`
	Redacted        bool              `json:"redacted,omitempty"`
	Encrypted       bool              `json:"encrypted,omitempty"`
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func main() {
	work, err := ioutil.TempDir("", "image-backup-")
	must(err)
	defer os.RemoveAll(work)
	backup := filepath.Join(work, "backup")
	checksums := map[string]string{}
	components := []string{"database"}
	for _, arg := range os.Args[2:] {
		eq := strings.LastIndex(arg, "=")
		name := arg[:eq]
		size, err := strconv.Atoi(arg[eq+1:])
		must(err)
		content := make([]byte, size)
		for i := range content {
			content[i] = byte(i*7 + len(name))
		}
		path := filepath.Join(backup, name)
		must(os.MkdirAll(filepath.Dir(path), 0755))
		must(ioutil.WriteFile(path, content, 0644))
		// An owner past USTAR's 7 octal digits (as OpenShift's random UIDs are) makes the writer add PAX uid/gid records.
		if uid := os.Getenv("IMAGE_BACKUP_UID"); uid != "" {
			id, err := strconv.Atoi(uid)
			must(err)
			must(os.Chown(path, id, id))
		}
		checksums[name] = fmt.Sprintf("%x", sha256.Sum256(content))
		if name == "prefect.dump" {
			components = append(components, "task-manager-db")
		}
	}
	m := metadata{MetadataVersion: 2025111200, BackupID: "infrahub_backup_20260102_030405", CreatedAt: "2026-01-02T03:04:05Z",
		ToolVersion: "go", InfrahubVersion: "1.6.2", Components: components, Checksums: checksums, Neo4jEdition: "community"}
	text, err := json.MarshalIndent(m, "", "  ")
	must(err)
	must(ioutil.WriteFile(filepath.Join(backup, "backup_information.json"), text, 0644))

	out, err := os.Create(os.Args[1])
	must(err)
	gz := gzip.NewWriter(out)
	tw := tar.NewWriter(gz)
	must(filepath.Walk(backup, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		header, err := tar.FileInfoHeader(info, "")
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(work, path)
		if err != nil {
			return err
		}
		header.Name = filepath.ToSlash(rel)
		if err := tw.WriteHeader(header); err != nil {
			return err
		}
		if info.IsDir() {
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(tw, f)
		return err
	}))
	must(tw.Close())
	must(gz.Close())
	must(out.Close())
}
