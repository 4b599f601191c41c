CREATE TABLE t359 (id bigint PRIMARY KEY, name text NOT NULL);
