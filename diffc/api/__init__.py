"""The run-time API: grad, value_and_grad, jvp, vjp, jacobian, hessian, hvp, methods."""
