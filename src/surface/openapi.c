/*
 * openapi.c — GET /openapi/<surface>.json: each surface's OpenAPI 3.1
 * document, written from its route table (every route, in match order) and
 * the field tables its handlers check (surface/kit.h: struct wp_route_doc),
 * so the document says what is enforced and cannot drift from it. GET
 * /openapi lists the documents.
 */
#include <stdio.h>
#include <string.h>

#include "surface/kit.h"
#include "util/buf.h"

#define DOC_CODES_MAX 96

extern const struct wp_module wp_module_sandbox;
#define OPENAPI_VERSION "3.1.0"

/* "post_api_v1_user_registration": unique per method and pattern. */
static void operation_id(const struct wp_route *rt, char *out, size_t cap)
{
	size_t o = 0;
	for (const char *m = rt->method; *m && o + 1 < cap; m++)
		out[o++] = (char)(*m | 0x20);
	for (const char *p = rt->pattern; *p && o + 1 < cap; p++) {
		char c = *p;
		bool word =
		    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
		if (word)
			out[o++] = c;
		else if (c == '/' || c == '-' || c == '.')
			out[o++] = '_';
	}
	out[o] = '\0'; /* "/api/" and "/api" stay two ids: post_api_, post_api */
}

/* Lists name in an object schema's "required". */
static void require(json_t *s, const char *name)
{
	json_t *req = json_object_get(s, "required");
	if (req == NULL) {
		req = json_array();
		json_object_set_new(s, "required", req);
	}
	json_array_append_new(req, json_string(name));
}

/* Adds t's rows to an object schema (properties, required). */
static void add_fields(json_t *s, const struct wp_field *t, size_t n, bool json_body)
{
	for (size_t i = 0; i < n; i++) {
		json_object_set_new(json_object_get(s, "properties"), t[i].name,
				    wp_field_schema(&t[i], json_body));
		if (t[i].flags & WP_FIELD_REQUIRED)
			require(s, t[i].name);
	}
}

/* An object of t's rows. */
static json_t *object_schema(const struct wp_field *t, size_t n, bool json_body)
{
	json_t *s = json_object();
	json_object_set_new(s, "type", json_string("object"));
	json_object_set_new(s, "properties", json_object());
	add_fields(s, t, n, json_body);
	return s;
}

static json_t *shape_schema(const struct wp_api_doc *api, const struct wp_doc_shape *sh,
			    bool json_body)
{
	json_t *s = object_schema(api->body_fields, api->body_field_count, json_body);
	if (sh->selector != NULL)
		add_fields(s, sh->selector, 1, json_body);
	add_fields(s, sh->fields, sh->count, json_body);
	for (size_t i = 0; i < sh->object_count; i++) {
		const struct wp_doc_object *o = &sh->objects[i];
		json_object_set_new(json_object_get(s, "properties"), o->name,
				    object_schema(o->fields, o->count, json_body));
		require(s, o->name);
	}
	if (sh->title != NULL)
		json_object_set_new(s, "title", json_string(sh->title));
	return s;
}

static json_t *body_schema(const struct wp_api_doc *api, const struct wp_route_doc *d)
{
	bool json_body = d->body == WP_DOC_JSON;
	if (d->shape_count == 1)
		return shape_schema(api, &d->shapes[0], json_body);
	/* anyOf: a body may carry fields of several shapes (the first decides). */
	json_t *any = json_array();
	for (size_t i = 0; i < d->shape_count; i++)
		json_array_append_new(any, shape_schema(api, &d->shapes[i], json_body));
	json_t *s = json_object();
	json_object_set_new(s, "anyOf", any);
	return s;
}

static json_t *media(json_t *schema)
{
	json_t *m = json_object();
	json_object_set_new(m, "schema", schema);
	return m;
}

static void add_params(json_t *params, const char *in, const struct wp_field *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		json_t *p = json_object();
		json_object_set_new(p, "name", json_string(t[i].name));
		json_object_set_new(p, "in", json_string(in));
		bool required = strcmp(in, "path") == 0 || (t[i].flags & WP_FIELD_REQUIRED);
		json_object_set_new(p, "required", json_boolean(required));
		json_object_set_new(p, "schema", wp_field_schema(&t[i], false));
		json_array_append_new(params, p);
	}
}

static json_t *success_response(const struct wp_route_doc *d)
{
	json_t *resp = json_object(), *content = json_object();
	switch (d->answer) {
	case WP_DOC_ANSWER_PNG: {
		json_t *s = json_object();
		json_object_set_new(s, "type", json_string("string"));
		json_object_set_new(s, "contentMediaType", json_string("image/png"));
		json_object_set_new(content, "image/png", media(s));
		json_object_set_new(resp, "description", json_string("the QR code, a PNG image"));
		break;
	}
	case WP_DOC_ANSWER_HTML:
	case WP_DOC_ANSWER_TEXT: {
		bool html = d->answer == WP_DOC_ANSWER_HTML;
		json_t *s = json_object();
		json_object_set_new(s, "type", json_string("string"));
		json_object_set_new(content, html ? "text/html" : "text/plain", media(s));
		json_object_set_new(resp, "description",
				    json_string(html ? "an HTML page" : "plain text"));
		break;
	}
	case WP_DOC_ANSWER_JSON: {
		json_t *props = json_object();
		for (size_t i = 0; i < d->answer_prop_count; i++) {
			json_t *p = json_object();
			json_object_set_new(p, "type", json_string(d->answer_props[i].type));
			if (d->answer_props[i].description != NULL)
				json_object_set_new(p, "description",
						    json_string(d->answer_props[i].description));
			json_object_set_new(props, d->answer_props[i].name, p);
		}
		json_t *s = json_object();
		json_object_set_new(s, "type", json_string("object"));
		json_object_set_new(s, "properties", props);
		json_object_set_new(content, "application/json", media(s));
		json_object_set_new(resp, "description", json_string("success"));
		break;
	}
	}
	json_object_set_new(resp, "content", content);
	return resp;
}

/* One response per HTTP status the surface's codes use, each listing its codes. */
static void add_error_responses(json_t *responses, const struct wp_api_doc *api,
				const struct wp_route_doc *d)
{
	bool html = d != NULL && d->answer == WP_DOC_ANSWER_HTML; /* its errors are pages too */
	struct wp_doc_code codes[DOC_CODES_MAX];
	size_t n = api->codes(codes, DOC_CODES_MAX);
	for (size_t i = 0; i < n; i++) {
		char status[8];
		snprintf(status, sizeof(status), "%d", codes[i].status);
		if (codes[i].status < 400 || json_object_get(responses, status) != NULL)
			continue;
		wp_buf b;
		wp_buf_init(&b, 4096);
		for (size_t j = i; j < n; j++) {
			if (codes[j].status != codes[i].status)
				continue;
			wp_buf_printf(&b, "%s%s%s%s", b.len ? "; " : "", codes[j].code,
				      codes[j].description ? ": " : "",
				      codes[j].description ? codes[j].description : "");
		}
		json_t *r = json_object();
		json_object_set_new(r, "description", json_string(b.len ? b.data : "an error"));
		wp_buf_free(&b);
		json_t *schema = json_object(), *content = json_object();
		if (html) {
			json_object_set_new(schema, "type", json_string("string"));
			json_object_set_new(content, "text/html", media(schema));
		} else {
			json_object_set_new(schema, "$ref",
					    json_string("#/components/schemas/Error"));
			json_object_set_new(content, "application/json", media(schema));
		}
		json_object_set_new(r, "content", content);
		json_object_set_new(responses, status, r);
	}
}

static json_t *operation(const struct wp_route *rt, const struct wp_api_doc *api)
{
	const struct wp_route_doc *d = rt->doc;
	json_t *op = json_object();
	char id[160];
	operation_id(rt, id, sizeof(id));
	json_object_set_new(op, "operationId", json_string(id));
	json_object_set_new(op, "summary", json_string(d ? d->summary : rt->pattern));
	if (d != NULL && d->description != NULL)
		json_object_set_new(op, "description", json_string(d->description));
	json_t *params = json_array();
	if (d != NULL) {
		add_params(params, "path", d->params, d->param_count);
		add_params(params, "query", d->query, d->query_count);
	}
	add_params(params, "header", api->headers, api->header_count);
	if (json_array_size(params) > 0)
		json_object_set_new(op, "parameters", params);
	else
		json_decref(params);
	if (d != NULL && d->body != WP_DOC_NO_BODY) {
		json_t *content = json_object();
		if (d->body == WP_DOC_JSON) {
			json_object_set_new(content, "application/json",
					    media(body_schema(api, d)));
		} else {
			json_object_set_new(content, "application/x-www-form-urlencoded",
					    media(body_schema(api, d)));
			json_object_set_new(content, "multipart/form-data",
					    media(body_schema(api, d)));
		}
		json_t *rb = json_object();
		json_object_set_new(rb, "required", json_true());
		json_object_set_new(rb, "content", content);
		json_object_set_new(op, "requestBody", rb);
	}
	json_t *responses = json_object();
	char ok[8];
	snprintf(ok, sizeof(ok), "%d", d && d->success_status ? d->success_status : 200);
	if (d != NULL)
		json_object_set_new(responses, ok, success_response(d));
	add_error_responses(responses, api, d);
	json_object_set_new(op, "responses", responses);
	json_t *sec = json_array(); /* empty: no credential */
	if ((api->auth_header != NULL || api->bearer) && !(d != NULL && d->open)) {
		json_t *req = json_object();
		json_object_set_new(req, api->bearer ? "bearer" : "apiKey", json_array());
		json_array_append_new(sec, req);
	}
	json_object_set_new(op, "security", sec);
	return op;
}

static void add_routes(json_t *paths, const struct wp_surface *s, const struct wp_api_doc *api)
{
	for (size_t i = 0; s != NULL && i < s->route_count; i++) {
		const struct wp_route *rt = &s->routes[i];
		json_t *item = json_object_get(paths, rt->pattern);
		if (item == NULL) {
			item = json_object();
			json_object_set_new(paths, rt->pattern, item);
		}
		char method[16];
		size_t k = 0;
		for (; rt->method[k] && k + 1 < sizeof(method); k++)
			method[k] = (char)(rt->method[k] | 0x20);
		method[k] = '\0';
		json_object_set_new(item, method, operation(rt, api));
	}
}

static json_t *security_schemes(const struct wp_api_doc *api)
{
	json_t *schemes = json_object(), *s = json_object();
	if (api->bearer) {
		json_object_set_new(s, "type", json_string("http"));
		json_object_set_new(s, "scheme", json_string("bearer"));
		json_object_set_new(schemes, "bearer", s);
	} else {
		json_object_set_new(s, "type", json_string("apiKey"));
		json_object_set_new(s, "in", json_string("header"));
		json_object_set_new(s, "name", json_string(api->auth_header));
		json_object_set_new(schemes, "apiKey", s);
	}
	return schemes;
}

/* A module has a document where it has routes this server serves. */
static bool served(const struct wp_app *app, const struct wp_module *m)
{
	return m->surface != NULL || (app->cfg->sandbox && m->sandbox_surface != NULL);
}

/* The document of module m, as this server serves it (sandbox routes when sandbox). */
static json_t *document(const struct wp_app *app, const struct wp_module *m)
{
	const struct wp_api_doc *api = m->api;
	json_t *info = json_object();
	json_object_set_new(info, "title", json_string(api->title));
	json_object_set_new(info, "version", json_string(WONPAY_VERSION));
	json_object_set_new(info, "description", json_string(api->description));
	json_t *server = json_object();
	json_object_set_new(server, "url", json_string(app->cfg->public_url));
	json_t *servers = json_array();
	json_array_append_new(servers, server);
	json_t *paths = json_object();
	add_routes(paths, m->surface, api);
	/* Every module's sandbox routes are the control API's: its envelope, its token. */
	for (size_t i = 0; app->cfg->sandbox && m == &wp_module_sandbox && i < wp_module_count; i++)
		add_routes(paths, wp_modules[i]->sandbox_surface, api);
	json_t *schemas = json_object();
	json_object_set_new(schemas, "Error", api->error_schema());
	json_t *components = json_object();
	json_object_set_new(components, "schemas", schemas);
	if (api->auth_header != NULL || api->bearer)
		json_object_set_new(components, "securitySchemes", security_schemes(api));
	json_t *doc = json_object();
	json_object_set_new(doc, "openapi", json_string(OPENAPI_VERSION));
	json_object_set_new(doc, "info", info);
	json_object_set_new(doc, "servers", servers);
	json_object_set_new(doc, "paths", paths);
	json_object_set_new(doc, "components", components);
	return doc;
}

static json_t *openapi_document(const struct wp_app *app, const char *name)
{
	for (size_t i = 0; i < wp_module_count; i++) {
		const struct wp_module *m = wp_modules[i];
		if (m->api != NULL && strcmp(m->name, name) == 0 && served(app, m))
			return document(app, m);
	}
	return NULL;
}

static void get_document(struct wp_req *r)
{
	const char *file = wp_req_param(r, 0);
	size_t n = strlen(file);
	char name[64];
	if (n <= 5 || n - 5 >= sizeof(name) || strcmp(file + n - 5, ".json") != 0) {
		wp_own_reply_error(r, WP_E_NOT_FOUND, "no such document; GET /openapi lists them");
		return;
	}
	snprintf(name, sizeof(name), "%.*s", (int)(n - 5), file);
	json_t *doc = openapi_document(r->app, name);
	if (doc == NULL) {
		wp_own_reply_error(r, WP_E_NOT_FOUND, "no such document; GET /openapi lists them");
		return;
	}
	wp_reply_json(r, 200, doc);
}

static void get_index(struct wp_req *r)
{
	json_t *list = json_array();
	for (size_t i = 0; i < wp_module_count; i++) {
		const struct wp_module *m = wp_modules[i];
		if (m->api == NULL || !served(r->app, m))
			continue;
		json_t *e = json_object();
		json_object_set_new(e, "surface", json_string(m->name));
		json_object_set_new(e, "title", json_string(m->api->title));
		char url[WP_URL_MAX + 64];
		snprintf(url, sizeof(url), "%s/openapi/%s.json", r->app->cfg->public_url, m->name);
		json_object_set_new(e, "url", json_string(url));
		json_array_append_new(list, e);
	}
	json_t *o = json_object();
	json_object_set_new(o, "documents", list);
	wp_reply_json(r, 200, o);
}

static const struct wp_field document_param[] = {
    {"document", WP_FIELD_TEXT, WP_FIELD_REQUIRED, 6, 63,
     .expect = "must be <surface>.json, one of the documents GET /openapi lists"},
};

static const struct wp_doc_prop index_props[] = {
    {"documents", "array", "every surface's document: surface, title, url"},
};

static const struct wp_route_doc index_doc = {
    .summary = "The OpenAPI documents this server serves",
    .answer_props = index_props,
    .answer_prop_count = WP_COUNT(index_props),
};

static const struct wp_route_doc document_doc = {
    .summary = "A surface's OpenAPI 3.1 document",
    .description = "Written from the surface's route and field tables: what the server "
		   "enforces. Sandbox routes are included when the server runs in sandbox "
		   "mode.",
    .params = document_param,
    .param_count = WP_COUNT(document_param),
};

static const struct wp_route openapi_routes[] = {
    {"GET", "/openapi", get_index, NULL, &index_doc},
    {"GET", "/openapi/{document}", get_document, NULL, &document_doc},
};

static const char *const openapi_paths[] = {"/openapi", "/openapi/*"};

static const struct wp_surface openapi_surface = {
    .name = "openapi",
    .routes = openapi_routes,
    .route_count = WP_COUNT(openapi_routes),
    .paths = openapi_paths,
    .path_count = WP_COUNT(openapi_paths),
    .reply_error = wp_own_reply_error,
};

static const struct wp_api_doc openapi_api = {
    .title = "wonpay: API documents",
    .description = "Where each surface's OpenAPI document is served.",
    .error_schema = wp_own_error_schema,
    .codes = wp_own_codes,
};

static void openapi_describe(const struct wp_app *app, FILE *out)
{
	fprintf(out, "  OpenAPI     GET  %s/openapi (aqr.json, kona.json, sandbox.json, ...)\n",
		app->cfg->public_url);
}

const struct wp_module wp_module_openapi = {
    .name = "openapi",
    .surface = &openapi_surface,
    .describe = openapi_describe,
    .api = &openapi_api,
};
