CREATE TABLE t181 (id bigint PRIMARY KEY, name text NOT NULL);
