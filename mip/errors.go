package mip

import (
	"errors"
	"fmt"
)

// Failure says why a request to МИП did not produce an answer. The importer
// and the reports react to the kind, not to the text.
type Failure int

// The kinds of failure, from the most to the least specific.
const (
	// FailAuth: 401 or 403, the login or password is wrong. Never retried;
	// the whole run must stop.
	FailAuth Failure = iota + 1
	// FailRejected: another 4xx, the request itself is wrong. Not retried.
	FailRejected
	// FailServer: 5xx on every attempt.
	FailServer
	// FailThrottled: 429 on every attempt.
	FailThrottled
	// FailTimeout: no answer within the per-request timeout on every attempt.
	FailTimeout
	// FailConnect: the connection could not be opened (refused, no route,
	// DNS): МИП is unreachable.
	FailConnect
	// FailNetwork: the connection broke mid-request (reset, EOF).
	FailNetwork
	// FailBadAnswer: HTTP 200 with a body that is not a МИП answer.
	FailBadAnswer
	// FailCanceled: the run was stopped before an answer came.
	FailCanceled
)

var failureNames = map[Failure]string{
	FailAuth:      "auth",
	FailRejected:  "rejected",
	FailServer:    "server",
	FailThrottled: "throttled",
	FailTimeout:   "timeout",
	FailConnect:   "connect",
	FailNetwork:   "network",
	FailBadAnswer: "bad_answer",
	FailCanceled:  "canceled",
}

// String is the kind's short English name, for logs.
func (f Failure) String() string {
	if s, ok := failureNames[f]; ok {
		return s
	}
	return fmt.Sprintf("failure(%d)", int(f))
}

// ErrUnauthorized is matched (errors.Is) by every FailAuth error: the CLI
// stops the run and exits 2 on it.
var ErrUnauthorized = errors.New("МИП rejected the credentials")

// ErrUnreachable is matched by every FailConnect error.
var ErrUnreachable = errors.New("МИП is unreachable")

// Error is a failed request after all its attempts.
type Error struct {
	Kind       Failure
	HTTPStatus int    // last HTTP status, 0 when none came
	Attempts   int    // requests made, including the last
	Detail     string // a short excerpt of the body or the transport error; never request data
	Err        error  // the last underlying error, if any
}

// Error describes the failure in English for logs. It holds no patient data.
func (e *Error) Error() string {
	msg := fmt.Sprintf("МИП request failed (%s", e.Kind)
	if e.HTTPStatus != 0 {
		msg += fmt.Sprintf(", HTTP %d", e.HTTPStatus)
	}
	msg += fmt.Sprintf(", %d attempt(s))", e.Attempts)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// Unwrap exposes the category sentinels and the underlying error.
func (e *Error) Unwrap() []error {
	errs := make([]error, 0, 2)
	switch e.Kind {
	case FailAuth:
		errs = append(errs, ErrUnauthorized)
	case FailConnect:
		errs = append(errs, ErrUnreachable)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// Reason is one Russian sentence for the clerk's report: why the row did
// not reach МИП.
func (e *Error) Reason() string {
	var s string
	switch e.Kind {
	case FailAuth:
		s = "МИП отклонил логин или пароль"
	case FailRejected:
		s = fmt.Sprintf("МИП отклонил запрос (HTTP %d)", e.HTTPStatus)
	case FailServer:
		s = fmt.Sprintf("ошибка сервера МИП (HTTP %d)", e.HTTPStatus)
	case FailThrottled:
		s = "МИП перегружен и просит подождать (HTTP 429)"
	case FailTimeout:
		s = "МИП не ответил вовремя"
	case FailConnect:
		s = "не удалось подключиться к МИП"
	case FailNetwork:
		s = "соединение с МИП оборвалось"
	case FailBadAnswer:
		s = "МИП вернул непонятный ответ"
	case FailCanceled:
		s = "запуск остановлен до ответа МИП"
	default:
		s = "неизвестная ошибка при отправке в МИП"
	}
	return fmt.Sprintf("%s; попыток: %d", s, e.Attempts)
}
