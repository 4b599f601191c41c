CREATE TABLE t586 (id bigint PRIMARY KEY, name text NOT NULL);
