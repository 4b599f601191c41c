CREATE TABLE t376 (id bigint PRIMARY KEY, name text NOT NULL);
