CREATE TABLE t410 (id bigint PRIMARY KEY, name text NOT NULL);
