"""The fixed parts of Cog's /openapi.json: request/response models and paths."""

_REF = "#/components/schemas/"

_JSON = "application/json"


def _nullable_str(title, **extra):
    schema = {"nullable": True, "title": title, "type": "string"}
    schema.update(extra)
    return schema


def _request(input_name, filter_title):
    webhook_filter = {
        "default": ["start", "output", "logs", "completed"],
        "items": {"$ref": _REF + "WebhookEvent"},
        "nullable": True,
        "type": "array",
    }
    if filter_title:
        # Cog strips this title on PredictionRequest only.
        webhook_filter["title"] = "Webhook Events Filter"
    return {
        "properties": {
            "context": {"additionalProperties": {"type": "string"}, "nullable": True, "title": "Context", "type": "object"},
            "created_at": _nullable_str("Created At", format="date-time"),
            "id": _nullable_str("Id"),
            "input": {"$ref": _REF + input_name, "nullable": True},
            "output_file_prefix": _nullable_str("Output File Prefix"),
            "webhook": _nullable_str("Webhook", format="uri", maxLength=65536, minLength=1),
            "webhook_events_filter": webhook_filter,
        },
        "title": "PredictionRequest" if input_name == "Input" else "TrainingRequest",
        "type": "object",
    }


def _response(input_name, output_ref):
    return {
        "properties": {
            "completed_at": _nullable_str("Completed At", format="date-time"),
            "created_at": _nullable_str("Created At", format="date-time"),
            "error": _nullable_str("Error"),
            "id": _nullable_str("Id"),
            "input": {"$ref": _REF + input_name, "nullable": True},
            "logs": {"default": "", "title": "Logs", "type": "string"},
            "metrics": {"additionalProperties": True, "nullable": True, "title": "Metrics", "type": "object"},
            "output": output_ref,
            "started_at": _nullable_str("Started At", format="date-time"),
            "status": {"$ref": _REF + "Status", "nullable": True},
            "version": _nullable_str("Version"),
        },
        "title": "PredictionResponse" if input_name == "Input" else "TrainingResponse",
        "type": "object",
    }


def _enum(title, values):
    return {"description": "An enumeration.", "enum": values, "title": title, "type": "string"}


def static_components(training):
    schemas = {
        "HTTPValidationError": {
            "properties": {"detail": {"items": {"$ref": _REF + "ValidationError"}, "title": "Detail", "type": "array"}},
            "title": "HTTPValidationError",
            "type": "object",
        },
        "PredictionRequest": _request("Input", False),
        "PredictionResponse": _response("Input", {"$ref": _REF + "Output"}),
        "Status": _enum("Status", ["starting", "processing", "succeeded", "canceled", "failed"]),
        "ValidationError": {
            "properties": {
                "ctx": {"title": "Context", "type": "object"},
                "input": {"title": "Input"},
                "loc": {"items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}, "title": "Location", "type": "array"},
                "msg": {"title": "Message", "type": "string"},
                "type": {"title": "Error Type", "type": "string"},
            },
            "required": ["loc", "msg", "type"],
            "title": "ValidationError",
            "type": "object",
        },
        "WebhookEvent": _enum("WebhookEvent", ["start", "output", "logs", "completed"]),
    }
    if training:
        schemas["TrainingRequest"] = _request("TrainingInput", True)
        schemas["TrainingResponse"] = _response(
            "TrainingInput", {"$ref": _REF + "TrainingOutput", "nullable": True}
        )
    return schemas


def _json_content(schema):
    return {_JSON: {"schema": schema}}


def _ok(schema):
    return {"content": _json_content(schema), "description": "Successful Response"}


_UNPROCESSABLE = {"content": _json_content({"$ref": _REF + "HTTPValidationError"}), "description": "Validation Error"}
_PREFER = {"in": "header", "name": "prefer", "required": False, "schema": {"title": "Prefer", "type": "string"}}


def _path_param(name, title):
    return {"in": "path", "name": name, "required": True, "schema": {"title": title, "type": "string"}}


def _simple_get(operation_id, summary, response_title):
    return {"operationId": operation_id, "responses": {"200": _ok({"title": response_title})}, "summary": summary}


def static_paths(training):
    paths = {
        "/": {"get": _simple_get("root__get", "Root", "Response Root  Get")},
        "/health-check": {
            "get": _simple_get("healthcheck_health_check_get", "Healthcheck", "Response Healthcheck Health Check Get")
        },
        "/predictions": {
            "post": {
                "description": "Run a single prediction on the model",
                "operationId": "predict_predictions_post",
                "parameters": [dict(_PREFER)],
                "requestBody": {"content": _json_content({"$ref": _REF + "PredictionRequest"})},
                "responses": {"200": _ok({"$ref": _REF + "PredictionResponse"}), "422": _UNPROCESSABLE},
                "summary": "Predict",
            }
        },
        "/predictions/{prediction_id}": {
            "put": {
                "description": "Run a single prediction on the model (idempotent creation).",
                "operationId": "predict_idempotent_predictions__prediction_id__put",
                "parameters": [_path_param("prediction_id", "Prediction ID"), dict(_PREFER)],
                "requestBody": {
                    "content": _json_content(
                        {"allOf": [{"$ref": _REF + "PredictionRequest"}], "title": "Prediction Request"}
                    ),
                    "required": True,
                },
                "responses": {"200": _ok({"$ref": _REF + "PredictionResponse"}), "422": _UNPROCESSABLE},
                "summary": "Predict Idempotent",
            }
        },
        "/predictions/{prediction_id}/cancel": {
            "post": {
                "description": "Cancel a running prediction",
                "operationId": "cancel_predictions__prediction_id__cancel_post",
                "parameters": [_path_param("prediction_id", "Prediction ID")],
                "responses": {
                    "200": _ok({"title": "Response Cancel Predictions  Prediction Id  Cancel Post"}),
                    "422": _UNPROCESSABLE,
                },
                "summary": "Cancel",
            }
        },
        "/shutdown": {
            "post": _simple_get("start_shutdown_shutdown_post", "Start Shutdown", "Response Start Shutdown Shutdown Post")
        },
    }
    if training:
        paths["/trainings"] = {
            "post": {
                "operationId": "train_trainings_post",
                "parameters": [dict(_PREFER)],
                "requestBody": {"content": _json_content({"$ref": _REF + "TrainingRequest"})},
                "responses": {"200": _ok({"$ref": _REF + "TrainingResponse"}), "422": _UNPROCESSABLE},
                "summary": "Train",
            }
        }
        paths["/trainings/{training_id}"] = {
            "put": {
                "operationId": "train_idempotent_trainings__training_id__put",
                "parameters": [_path_param("training_id", "Training ID"), dict(_PREFER)],
                "requestBody": {
                    "content": _json_content({"$ref": _REF + "TrainingRequest", "title": "Training Request"}),
                    "required": True,
                },
                "responses": {"200": _ok({"$ref": _REF + "TrainingResponse"}), "422": _UNPROCESSABLE},
                "summary": "Train Idempotent",
            }
        }
        paths["/trainings/{training_id}/cancel"] = {
            "post": {
                "operationId": "cancel_training_trainings__training_id__cancel_post",
                "parameters": [_path_param("training_id", "Training ID")],
                "responses": {
                    "200": _ok({"title": "Response Cancel Training Trainings  Training Id  Cancel Post"}),
                    "422": _UNPROCESSABLE,
                },
                "summary": "Cancel Training",
            }
        }
    return paths


def document(schemas, training):
    components = static_components(training)
    components.update(schemas)
    return {
        "components": {"schemas": dict(sorted(components.items()))},
        "info": {"title": "Cog", "version": "0.1.0"},
        "openapi": "3.0.2",
        "paths": static_paths(training),
    }
