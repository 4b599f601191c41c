CREATE TABLE t534 (id bigint PRIMARY KEY, name text NOT NULL);
