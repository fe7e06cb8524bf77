// Package secret makes webhook signing secrets and keeps them sealed at rest:
// a secret is written to the subscriptions topic only as AES-256-GCM
// ciphertext under a key from configuration, so reading the topic does not
// reveal it.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Prefix starts every secret, as in the Standard Webhooks specification.
const Prefix = "whsec_"

// Generate returns a new secret: whsec_ and 32 random bytes in base64.
func Generate() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate secret: %w", err)
	}
	return Prefix + base64.StdEncoding.EncodeToString(b), nil
}

// KeyBytes returns the HMAC key of a secret: the base64 after whsec_, decoded,
// or the secret's own bytes when it is not of that form (a secret an operator
// chose, as Immuta and Atlan allow).
func KeyBytes(secret string) []byte {
	if rest, ok := strings.CutPrefix(secret, Prefix); ok {
		if b, err := base64.StdEncoding.DecodeString(rest); err == nil {
			return b
		}
	}
	return []byte(secret)
}

// ParseKey reads a 32-byte encryption key written as base64 or hex.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if b, err := base64.StdEncoding.DecodeString(s); err == nil && len(b) == 32 {
		return b, nil
	}
	if b, err := hex.DecodeString(s); err == nil && len(b) == 32 {
		return b, nil
	}
	return nil, errors.New("the secret key must be 32 bytes, written as base64 or hex")
}

// NewKey returns a random 32-byte key in base64, for a fresh dev data dir.
func NewKey() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate key: %w", err)
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// Sealer encrypts and decrypts secrets with one key.
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer returns a sealer for a 32-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// Seal returns nonce || ciphertext of plain; an empty secret seals to nil.
func (s *Sealer) Seal(plain string) ([]byte, error) {
	if plain == "" {
		return nil, nil
	}
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("seal secret: %w", err)
	}
	return s.aead.Seal(nonce, nonce, []byte(plain), nil), nil
}

// ErrWrongKey means the sealed secret was not sealed with this key.
var ErrWrongKey = errors.New("secret does not open with the configured key")

// Open returns the secret sealed in b; nil or empty opens to "".
func (s *Sealer) Open(b []byte) (string, error) {
	if len(b) == 0 {
		return "", nil
	}
	n := s.aead.NonceSize()
	if len(b) < n {
		return "", ErrWrongKey
	}
	plain, err := s.aead.Open(nil, b[:n], b[n:], nil)
	if err != nil {
		return "", ErrWrongKey
	}
	return string(plain), nil
}
