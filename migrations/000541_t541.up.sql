CREATE TABLE t541 (id bigint PRIMARY KEY, name text NOT NULL);
