// Object-storage access keys and buckets on Nscale and HostUp, with the secret kept as a Pulumi secret.
package objectstoragekeys
