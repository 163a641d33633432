package mip

// Card statuses МИП answers in mkabStatus.
const (
	MkabUploaded = "Uploaded" // card created or updated
	MkabNotValid = "NotValid" // required fields missing or invalid
	MkabError    = "Error"    // e.g. the GUID belongs to a quite different patient
)

// Attachment statuses МИП answers in attachmentStatus.
const (
	AttachmentNone     = "None" // no attachment sent, or the card was not stored
	AttachmentUploaded = "Uploaded"
	AttachmentNotValid = "NotValid"
	AttachmentError    = "Error"
)

// Answer is МИП's reply to POST /patients (HTTP 200).
//
// The API page's table names the keys in camelCase while its example uses
// PascalCase ("MkabStatus"); encoding/json matches keys case-insensitively,
// so both decode into this struct.
type Answer struct {
	MkabStatus        string   `json:"mkabStatus"`
	AttachmentStatus  string   `json:"attachmentStatus"`
	PersonGUID        string   `json:"personGuid"`
	MkabGUID          string   `json:"mkabGuid"`
	AttachmentGUID    string   `json:"attachmentGuid"`
	ValidationMessage []string `json:"validationMessage"`
}
