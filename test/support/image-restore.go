// The backup image's restore, as far as the archive goes: a reference for the
// differential test of `s3 verify` (test/s3/verify-differential.test.ts).
//
// Written from the behaviour of infrahub-backup's restore (opsmill/infrahub-backup,
// src/internal/app: extractTarball, then the metadata and validateBackupChecksums):
//   - gunzip (compress/gzip), then Go's archive/tar, Next() until io.EOF;
//   - each entry's target is filepath.Clean(filepath.Join(dest, Name)) and must
//     stay inside dest; typeflag '5' makes the folder (MkdirAll 0755), '0' makes
//     its parent folders and writes the file with os.OpenFile(O_CREATE|O_WRONLY,
//     mode) (no O_TRUNC); every other typeflag is skipped;
//   - backup/backup_information.json must exist; encoding/json reads it into the
//     image's metadata struct;
//   - every checksum but prefect.dump: the file backup/<path> is read and its
//     SHA-256 as lowercase hex must equal the listed text; backup/prefect.dump,
//     when it exists, needs its checksum; a component task-manager-db (or a
//     prefect.dump checksum) needs the file backup/prefect.dump.
// The restore runs as a non-root user (the chart's pods): a file whose owner
// cannot read it fails here too, although the tests may run as root.
//
// Usage: image-restore ARCHIVE... ; prints one JSON line per archive:
// {"archive", "ok", "error", "files": {path: sha256 of each regular file
// extracted}, "checksums": the metadata's checksums as Go read them}.
package main

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/ioutil"
	"os"
	"path/filepath"
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

type result struct {
	Archive   string            `json:"archive"`
	OK        bool              `json:"ok"`
	Error     string            `json:"error,omitempty"`
	Files     map[string]string `json:"files"`
	Checksums map[string]string `json:"checksums"`
}

func inside(target, dest string) bool {
	rel, err := filepath.Rel(dest, target)
	if err != nil {
		return false
	}
	return !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && rel != ".."
}

func extract(archive, dest string) error {
	f, err := os.Open(archive)
	if err != nil {
		return err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	defer gz.Close()
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		target := filepath.Clean(filepath.Join(dest, h.Name))
		if !inside(target, dest) {
			return fmt.Errorf("illegal file path in archive: %s", h.Name)
		}
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(target), 0755); err != nil {
				return err
			}
			out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY, os.FileMode(h.Mode))
			if err != nil {
				return err
			}
			if _, err := io.Copy(out, tr); err != nil {
				out.Close()
				return err
			}
			out.Close()
		}
	}
}

// sha256File reads a file as the non-root restore would.
func sha256File(path string) (string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if info.Mode().IsRegular() && info.Mode().Perm()&0400 == 0 {
		return "", errors.New("permission denied")
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return fmt.Sprintf("%x", h.Sum(nil)), nil
}

func check(path, name, expected string) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("missing backup file: %s", name)
	}
	actual, err := sha256File(path)
	if err != nil {
		return fmt.Errorf("checksum of %s: %v", name, err)
	}
	if actual != expected {
		return fmt.Errorf("checksum mismatch for %s", name)
	}
	return nil
}

func restore(dest string, res *result) error {
	metadataPath := filepath.Join(dest, "backup", "backup_information.json")
	if _, err := os.Stat(metadataPath); os.IsNotExist(err) {
		return errors.New("missing metadata")
	}
	if _, err := sha256File(metadataPath); err != nil {
		return fmt.Errorf("failed to read metadata: %v", err)
	}
	text, err := ioutil.ReadFile(metadataPath)
	if err != nil {
		return fmt.Errorf("failed to read metadata: %v", err)
	}
	var m metadata
	if err := json.Unmarshal(text, &m); err != nil {
		return fmt.Errorf("failed to parse metadata: %v", err)
	}
	res.Checksums = m.Checksums
	backup := filepath.Join(dest, "backup")
	for rel, expected := range m.Checksums {
		if rel == "prefect.dump" {
			continue
		}
		if err := check(filepath.Join(backup, rel), rel, expected); err != nil {
			return err
		}
	}
	prefect := filepath.Join(backup, "prefect.dump")
	if _, err := os.Stat(prefect); err == nil {
		expected, ok := m.Checksums["prefect.dump"]
		if !ok {
			return errors.New("missing checksum for prefect.dump in metadata")
		}
		if err := check(prefect, "prefect.dump", expected); err != nil {
			return err
		}
	}
	included := false
	for _, c := range m.Components {
		if c == "task-manager-db" {
			included = true
		}
	}
	if _, ok := m.Checksums["prefect.dump"]; ok {
		included = true
	}
	info, err := os.Stat(prefect)
	if included && (err != nil || info.IsDir()) {
		return errors.New("backup metadata includes task manager database but prefect.dump is missing")
	}
	return nil
}

func one(archive string) result {
	res := result{Archive: archive, Files: map[string]string{}}
	dest, err := ioutil.TempDir("", "image-restore-")
	if err != nil {
		res.Error = err.Error()
		return res
	}
	defer os.RemoveAll(dest)
	if err := extract(archive, dest); err != nil {
		res.Error = "extract: " + err.Error()
	} else if err := restore(dest, &res); err != nil {
		res.Error = err.Error()
	} else {
		res.OK = true
	}
	filepath.Walk(dest, func(path string, info os.FileInfo, err error) error {
		if err == nil && info.Mode().IsRegular() {
			rel, _ := filepath.Rel(dest, path)
			os.Chmod(path, 0600)
			sum, _ := sha256File(path)
			res.Files[filepath.ToSlash(rel)] = sum
		}
		return nil
	})
	return res
}

func main() {
	out := json.NewEncoder(os.Stdout)
	for _, archive := range os.Args[1:] {
		if err := out.Encode(one(archive)); err != nil {
			os.Exit(2)
		}
	}
}
