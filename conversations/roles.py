"""The three groups of people who work with the platform, and what each may do."""

from django.contrib.auth.models import Group, Permission

AGENTS = "Agents"
STAFF = "Staff"
INTEGRATORS = "Integrators"
PRIVACY_OFFICERS = "Privacy officers"

_AGENT_PERMS = [
    "conversations.view_conversation",
    "conversations.view_message",
    "conversations.reply_conversation",
    "conversations.relabel_message",
    "conversations.view_intent",
    "conversations.view_trainingexample",
    "conversations.view_knowledgearticle",
    "conversations.view_agentreply",
    # Agent workspace: use canned replies, leave private notes, tag, transfer, see the hours.
    "conversations.view_cannedreply",
    "conversations.view_agentnote",
    "conversations.add_agentnote",
    "conversations.view_tag",
    "conversations.add_tag",
    "conversations.transfer_conversation",
    "conversations.view_conversationassignment",
    "conversations.view_businesshours",
    "conversations.view_openinghours",
]
_WORKSPACE_STAFF_PERMS = [
    *[f"conversations.{action}_cannedreply" for action in ("add", "change", "delete")],
    "conversations.change_tag",
    "conversations.delete_tag",
    "conversations.add_businesshours",
    "conversations.change_businesshours",
    "conversations.view_agentprofile",
    *[f"conversations.{action}_openinghours" for action in ("add", "change", "delete")],
    "conversations.view_csat_report",
]
_CONTENT_PERMS = [
    f"conversations.{action}_{model}"
    for model in ("intent", "trainingexample", "knowledgearticle", "agentreply")
    for action in ("view", "add", "change", "delete")
]
_TRAINING_PERMS = [
    "training.view_trainingrun",
    "training.add_trainingrun",
    "training.start_trainingrun",
    "training.view_modelversion",
    "training.view_biasaudit",
    "training.request_biasaudit",
]

# Webhook endpoints and bot actions (integrations): staff and integrators manage them; agents do not.
_INTEGRATION_PERMS = [
    *[f"integrations.{action}_{model}" for model in ("webhookendpoint", "botaction") for action in ("view", "add", "change", "delete")],
    "integrations.view_webhookdelivery",
    "integrations.view_actioncall",
]

# The connectors (e-mail, Chatwoot, imports): staff and integrators import transcripts and read the records.
_CONNECTOR_PERMS = [
    "connectors.import_transcripts",
    *[f"connectors.view_{model}" for model in ("importedtranscript", "articleimport", "emailthread", "emailmessageref",
                                               "chatwootconversation", "chatwootdelivery")],
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    AGENTS: _AGENT_PERMS,
    STAFF: _AGENT_PERMS
    + _WORKSPACE_STAFF_PERMS
    + _CONTENT_PERMS
    + _TRAINING_PERMS
    + _INTEGRATION_PERMS
    + _CONNECTOR_PERMS
    + [
        "conversations.change_conversation",
        "conversations.export_conversation",
        # The copilot's drafts and their rates per model version (admin).
        "conversations.view_draftsuggestion",
        "training.activate_modelversion",
        # Activating a version whose bias audit did not pass (recorded with a reason).
        "training.override_audit_gate",
        "training.view_activationoverride",
    ],
    # Integrators automate: they start conversations, read transcripts, manage content and start training.
    INTEGRATORS: [
        "conversations.view_conversation",
        "conversations.add_conversation",
        "conversations.change_conversation",
        "conversations.view_message",
    ]
    + _CONTENT_PERMS
    + _TRAINING_PERMS
    + _INTEGRATION_PERMS
    + _CONNECTOR_PERMS,
    # The only people who may see the personal data behind placeholders; every reveal is audited.
    PRIVACY_OFFICERS: [
        "conversations.view_conversation",
        "conversations.view_message",
        "conversations.view_piivaultentry",
        "conversations.reveal_pii",
        "conversations.view_piireveallog",
        "conversations.erase_pii",
        "conversations.view_piierasure",
    ],
}


def roles_sync() -> None:
    """Create the groups and give each exactly its permissions (idempotent; runs after migrate)."""
    for group_name, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        perms = []
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm is not None:
                perms.append(perm)
        group.permissions.set(perms)
