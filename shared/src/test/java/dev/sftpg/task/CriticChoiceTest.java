package dev.sftpg.task;

import dev.sftpg.config.Config;
import dev.sftpg.config.ConfigLoader;
import dev.sftpg.data.SampleShape;
import dev.sftpg.finetune.SftPgSetup;
import dev.sftpg.nn.MlpSpec;
import dev.sftpg.nn.NetworkSpec;
import dev.sftpg.nn.conv.ConvCriticSpec;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** Which critic a task gets: the convolutional one for images (unless told otherwise), an MLP for points. */
class CriticChoiceTest {
    private static final SampleShape IMAGE = SampleShape.image(1, 28, 28);

    private static NetworkSpec critic(String preset, SampleShape shape, String... sets) {
        Config c = ConfigLoader.load(preset, List.of(sets), Map.of());
        return new SftPgSetup(c, shape).criticSpec();
    }

    @Test
    void imagesGetTheConvolutionalCriticOfTheirWidths() {
        NetworkSpec s = critic("fashion-mnist", IMAGE);
        ConvCriticSpec conv = assertInstanceOf(ConvCriticSpec.class, s);
        assertArrayEquals(new int[]{64, 128}, conv.widths());
        assertEquals(784, conv.inputDim());
        assertArrayEquals(new int[]{8, 16, 32},
                assertInstanceOf(ConvCriticSpec.class, critic("fashion-mnist", IMAGE, "critic.kind=auto", "critic.widths=8,16,32")).widths());
    }

    @Test
    void pointsAndAnExplicitMlpGetTheMlp() {
        assertInstanceOf(MlpSpec.class, critic("swissroll", SampleShape.vector(2)));
        MlpSpec mlp = assertInstanceOf(MlpSpec.class, critic("fashion-mnist", IMAGE, "critic.kind=mlp", "critic.hidden=32"));
        assertEquals(32, mlp.hidden());
        assertInstanceOf(MlpSpec.class, critic("toy-images", SampleShape.image(1, 8, 8)), "the toy-images preset keeps its MLP critic");
    }
}
