CREATE TABLE t928 (id bigint PRIMARY KEY, name text NOT NULL);
