from conversations.errors import ChatError


class TrainingRefused(ChatError):
    code = "training_refused"


class ActivationRefused(ChatError):
    code = "activation_refused"
    status = 409
