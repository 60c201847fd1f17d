package io.github.cospadi.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** {@code generate --chat} reads the chat template of a Hugging Face directory too, and refuses a model without ChatML. */
class ChatPromptTest {
    @Test
    void aDirectoryWithAChatMlTemplateGetsTheChatMlPrompt(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("tokenizer_config.json"),
                "{\"chat_template\": \"{% for m in messages %}<|im_start|>{{ m.role }}\\n{{ m.content }}<|im_end|>{% endfor %}\"}");
        final String p = GenerateCommand.chatPrompt(dir, "Hello");
        assertTrue(p.startsWith("<|im_start|>system\n") && p.endsWith("<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n"), p);
    }

    @Test
    void aModelWithoutAChatMlTemplateIsRefusedByName(@TempDir Path dir) throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GenerateCommand.chatPrompt(dir, "Hello"));
        assertTrue(e.getMessage().contains("--chat: " + dir + " has no ChatML chat template"), e.getMessage());
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\": \"[INST] {{ messages }} [/INST]\"}");
        e = assertThrows(IllegalArgumentException.class, () -> GenerateCommand.chatPrompt(dir, "Hello"));
        assertTrue(e.getMessage().contains("only ChatML is supported"), e.getMessage());
    }
}
