CREATE TABLE t853 (id bigint PRIMARY KEY, name text NOT NULL);
