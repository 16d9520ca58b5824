// A Go module without external dependencies and without a Procfile: the buildpack's default web process
// (`hello`) answers "hello from go 1.0" on $PORT.
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"
)

func main() {
	address := os.Getenv("BIND_ADDRESS")
	if address == "" {
		address = "127.0.0.1"
	}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "hello from go 1.0")
	})
	log.Fatal(http.ListenAndServe(address+":"+os.Getenv("PORT"), nil))
}
